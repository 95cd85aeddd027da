"""The optional user config file (TOML) and the environment overrides."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readinglist.core.errors import UserError

CONFIG_ENV = "READINGLIST_CONFIG"
HOME_ENV = "READINGLIST_HOME"


def default_home() -> Path:
    """Where the store lives: ``$READINGLIST_HOME`` or the platform data dir."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("readinglist", appauthor=False)


def default_config_path() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("readinglist", appauthor=False) / "config.toml"


@dataclass
class Config:
    """The config, read and checked once. Unknown keys are kept so newer files still load.

    The typed fields are what the program uses; a value of the wrong type or
    out of range is left at its default and named in ``problems``, which the
    app shows as notices (the CLI ignores the app's settings).
    """

    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)
    theme: str | None = field(init=False, default=None)
    default_sort: str = field(init=False, default="relevance")
    keymap: dict[str, Any] = field(init=False, default_factory=dict)
    builtin_corpus: bool = field(init=False, default=True)
    problems: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        from readinglist.core.query import SORTS

        theme = self.data.get("theme")
        if theme is not None and not isinstance(theme, str):
            self.problems.append(f"theme {theme!r} is not a theme name")
        else:
            self.theme = theme
        sort = self.data.get("default_sort", "relevance")
        if sort in SORTS:
            self.default_sort = sort
        else:
            self.problems.append(f"default_sort {sort!r} is not one of {', '.join(SORTS)}")
        keymap = self.data.get("keymap", {})
        if isinstance(keymap, dict):
            self.keymap = dict(keymap)
        else:
            self.problems.append("[keymap] must be a table of binding id = \"keys\"")
        builtin = self.data.get("builtin_corpus", True)
        if isinstance(builtin, bool):
            self.builtin_corpus = builtin
        else:
            self.problems.append(f"builtin_corpus wants true or false, not {builtin!r}")

    def where(self) -> str:
        """" in FILE" for messages, or nothing when there is no file."""
        return f" in {self.path}" if self.path else ""

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config.

    A file that exists but cannot be read or parsed is a user error naming
    the file: silently ignoring it would hide the user's settings.
    """
    path = path or default_config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}") from None
    return Config(path=path, data=data)
