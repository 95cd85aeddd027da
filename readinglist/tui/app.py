"""The app: config, theme, keymap and screens. What the user does with papers
lives in the main screen (``screens/main.py``) over the ``Library``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from readinglist.tui.commands import PaperCommands, SavedSearchCommands
from readinglist.tui.keymap import Keymap, bindings_with_ids, check_keymap
from readinglist.tui.screens.main import MainScreen, Services
from readinglist.tui.widgets.paper_list import PaperList

from readinglist.core.query import SORTS

if TYPE_CHECKING:
    from readinglist.core.config import Config
    from readinglist.core.library import Library
    from readinglist.core.session import Session


# How long a thread running Python keeps the interpreter before another may
# take it (Python's default: 5 ms). Each time the UI thread wakes from its
# event loop's select() it waits for the interpreter; while a worker sets the
# word index up (the seconds after a launch) or imports, a key took a few
# such waits. At 1 ms the first key after the first paint at 100k papers was
# answered in 42-48 ms against 71-143 ms (docs/performance.md).
SWITCH_INTERVAL_S = 0.001


class ReadingListApp(App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "readinglist"
    COMMANDS = App.COMMANDS | {PaperCommands, SavedSearchCommands}

    # The main screen binds q and ? too (they come first in its footer).

    def __init__(
        self,
        library: Library,
        config: Config | None = None,
        *,
        opener: Callable[[str], object] | None = None,
        http_client: Any = None,
        observer: Callable[[str, str], None] | None = None,
        session: Session | None = None,
        fetch_on_launch: bool = False,
    ) -> None:
        """``session``: the last session to resume (filter, sort, paper, theme); None starts clean."""
        super().__init__()
        self._switch_interval = sys.getswitchinterval()  # restored when the app ends
        from readinglist.core.config import Config as _Config

        self.library = library
        self.config = config or _Config()
        self.services = Services(
            opener=opener,
            http_client=http_client,
            network=self.config.section("network"),
            feeds=self.config.section("feeds"),
            observer=observer,
        )
        self.problems = list(self.config.problems)
        self.keymap: Keymap = check_keymap(self.config.keymap, self.all_bindings())
        self.problems += self.keymap.problems
        self.session = session
        self.fetch_on_launch = fetch_on_launch
        theme = session.theme if session and session.theme in self.available_themes else self.config.theme
        if theme is not None and theme in self.available_themes:
            self.theme = theme
        elif theme is not None:
            self.problems.append(f"theme {theme!r} is unknown; try one of: {', '.join(sorted(self.available_themes))}")

    @classmethod
    def all_bindings(cls) -> list[Binding]:
        """Every binding a keymap may name, in the order help shows them."""
        return bindings_with_ids(MainScreen.BINDINGS, PaperList.BINDINGS)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = False) -> None:
        """Notifications quote paper titles, URLs and file names: never markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit, in plain text (Textual's own hint is markup)."""
        quit_binding = next(b for b in MainScreen.BINDINGS if isinstance(b, Binding) and b.id == "app.quit")
        self.notify(f"Press {self.keymap.display(quit_binding)} or ctrl+q to quit", title="Do you want to quit?")

    def get_default_screen(self) -> Screen:
        filter_binding = next(b for b in MainScreen.BINDINGS if isinstance(b, Binding) and b.id == "app.filter")
        session = self.session
        self.main_screen = MainScreen(
            self.library,
            self.services,
            sort=session.sort if session and session.sort in SORTS else self.config.default_sort,
            filter_keys=set(self.keymap.keys_of(filter_binding)),
            query=session.query if session else "",
            paper=(session.paper or None) if session else None,
            fetch_on_launch=self.fetch_on_launch,
        )
        return self.main_screen

    def on_mount(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # keys first while workers run
        if self.keymap.entries:
            self.set_keymap(self.keymap.entries)
        for problem in self.problems:
            self.notify(f"Config{self.config.where()}: {problem}", severity="warning", timeout=10)

    def on_unmount(self) -> None:
        sys.setswitchinterval(self._switch_interval)

    def session_now(self, opened: str = "") -> Session:
        """What the next launch resumes: filter, sort, highlighted paper, theme."""
        from readinglist.core.session import Session

        screen = self.main_screen
        return Session(query=screen.query_text, sort=screen.sort, paper=screen.highlighted_id or "", theme=self.theme, opened=opened)

    def help_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every binding, with the user's keys."""
        bindings = self.all_bindings()
        rows = [(self.keymap.display(b), b.tooltip or b.description) for b in bindings if not (b.id or "").startswith("search.")]
        searches = [self.keymap.display(b) for b in bindings if (b.id or "").startswith("search.")]
        rows.append((" ".join(searches), "Saved searches, in the order saved (readinglist search save NAME QUERY)"))
        palette = self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, "command_palette"))
        return rows + [(palette, "Command palette: every action, go to a paper by its title")]

    def action_help(self) -> None:
        from readinglist.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.help_rows()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, MainScreen):
            return
        for binding in bindings_with_ids(MainScreen.BINDINGS):
            if binding.action not in ("back", "cancel_work", "app.quit"):
                keys = self.keymap.display(binding)
                yield SystemCommand(
                    f"{binding.description} ({keys})",
                    binding.tooltip or binding.description,
                    lambda a=binding.action: screen.run_action(a),
                )
        yield SystemCommand("Resolve filtered papers", "Resolve arXiv ids and code links of every paper in the list", screen.action_enrich_filtered)
        yield SystemCommand("Resolve all unresolved papers", "Resolve every paper not resolved yet", screen.action_enrich_unresolved)
