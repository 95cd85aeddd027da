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
    library = ctx.library()
    library.store.journal.label = "app"  # `readinglist undo` takes back the CLI's changes only
    from readinglist.tui.app import ReadingListApp

    app = ReadingListApp(library, config=ctx.config)
    try:
        app.run()
    finally:
        library.backup()  # the session's changes get a backup too
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
