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
