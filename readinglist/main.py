"""The ``readinglist`` command: the app without a subcommand, the CLI with one.

It sits above both, so the CLI never imports the app (an import-linter
contract checks it) and ``readinglist --help`` never pays for Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readinglist.cli import Context

LARGE_CORPUS_BYTES = 20_000_000  # about 10k papers: loading takes a noticeable moment


def main(argv: list[str] | None = None) -> int:
    from readinglist.cli import main as run_cli

    return run_cli(argv, launch=launch_app)


def launch_app(ctx: Context) -> int:
    corpus = ctx.home / "corpus.json"
    try:
        size = corpus.stat().st_size
    except OSError:
        size = 0
    if size > LARGE_CORPUS_BYTES:
        ctx.err(f"readinglist: loading {size / 1e6:.0f} MB of papers from {corpus}…")
    from readinglist.core.errors import UserError
    from readinglist.core.session import mark_opened, save_session

    library = ctx.library()
    library.store.journal.label = "app"  # `readinglist undo` takes back the CLI's changes only
    try:
        session = mark_opened(ctx.home)
    except UserError as exc:  # an unreadable session file: start clean, say so, leave it alone
        ctx.err(f"readinglist: {exc}")
        session = None
    library.new_since = session.previous_opened if session else None
    from readinglist.tui.app import ReadingListApp

    app = ReadingListApp(
        library,
        config=ctx.config,
        session=None if ctx.args.fresh or session is None else session,
        fetch_on_launch=_fetch_due(ctx),
    )
    try:
        app.run()
    finally:
        library.backup()  # the session's changes get a backup too
        if session is not None and getattr(app, "main_screen", None) is not None:
            try:
                save_session(ctx.home, app.session_now(session.opened))
            except (OSError, UserError):
                pass  # remembering the filter is a convenience: never an error at exit
    return app.return_code or 0


def _fetch_due(ctx: Context) -> bool:
    """[feeds] on_launch = true and some subscription not fetched today."""
    import datetime as dt

    from readinglist.core.errors import UserError
    from readinglist.core.feeds.plan import load_feeds_config
    from readinglist.core.feeds.state import load_state

    try:
        config = load_feeds_config(ctx.config.section("feeds"))
        if not config.on_launch:
            return False
        last = load_state(ctx.home).last_success()
    except UserError:
        return False  # the app names the problem when the user fetches
    wanted = (["hf"] if config.hf_daily else []) + (["arxiv"] if config.arxiv else [])
    return any(last.get(source) != dt.date.today() for source in wanted)


if __name__ == "__main__":
    raise SystemExit(main())
