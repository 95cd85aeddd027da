"""Daily feeds: new papers from Hugging Face daily papers and arXiv announcements.

Entry points: ``plan.load_feeds_config`` and ``plan.make_plan`` (what to
fetch), ``run.run_fetch`` (fetch and merge), ``state.load_state`` (the last
successful fetch of each source). Plain Python: the CLI's ``fetch`` and the
app's worker call the same functions; httpx is imported with the first
request only.
"""
