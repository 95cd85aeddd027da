"""The domain core never imports Textual: the TUI is a thin layer over it."""

import subprocess
import sys


def test_core_does_not_import_textual() -> None:
    code = (
        "import pkgutil, importlib, sys, readinglist.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'readinglist.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "import readinglist.cli\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(list(pkgutil.walk_packages(core.__path__))))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 8  # the walk really imported the core modules


def test_layer_contracts_hold() -> None:
    """import-linter's contracts in pyproject.toml: core imports no interface,
    the CLI never imports the app, screens and widgets never import the App."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(root / "pyproject.toml")], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


def test_cli_alone_never_loads_textual() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from readinglist.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['list', '--format', 'tsv'])\n"
        "assert not any(n == 'textual' or n.startswith('textual.') for n in sys.modules), 'textual loaded'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
