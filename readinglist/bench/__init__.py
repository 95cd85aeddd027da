"""The performance benchmark: ``python -m readinglist.bench``.

It builds synthetic corpora of realistic shape, imports them through the
real parser and store, drives the real app headless, and compares the
figures with a naive baseline (a Textual ``DataTable`` refilled on every
query over TinyDB's default storage). ``docs/performance.md`` describes
what each figure means and holds the latest results.

Nothing here is imported by the app: the package may import Textual, but
this module stays import-light because it is loaded before every timed
cold launch.
"""

# The app's frame rate is set when its package is imported, before Textual
# is: the bench imports Textual too (the probe, the baseline), so it sets it
# here first and measures the app at the rate a user runs it.
import readinglist.tui  # noqa: E402, F401
