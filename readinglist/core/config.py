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
    """Parsed config. Unknown keys are kept so newer files still load."""

    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

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
