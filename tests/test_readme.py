"""The README's two commands are the set-up, and CI runs the second verbatim."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_two_commands_launch_then_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("```sh") < 40, "the commands come first"
    launch, test = _readme_commands()
    assert launch.startswith("python3 -m venv .venv") and launch.endswith("readinglist")
    assert test.startswith("python3 -m venv .venv") and "pytest" in test


def test_ci_runs_the_readme_test_command_and_fails_on_no_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in script.splitlines()
    assert '"$rc" -eq 5' in script
