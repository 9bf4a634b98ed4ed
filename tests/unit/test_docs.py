"""The README's front-door commands: the test command installs what it needs and .ci/run runs exactly it."""
from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _block_after(heading_text: str) -> str:
    """The first ```bash block after the paragraph that starts with `heading_text`."""
    rest = README.split(heading_text, 1)[1]
    return re.search(r"```bash\n(.*?)```", rest, flags=re.S).group(1).strip()


def test_readme_test_command_installs_its_tools_and_ci_runs_exactly_it() -> None:
    command = _block_after("Run the tests")
    assert "\n" not in command  # one command, copy-pasteable as written
    assert 'pip install -e ".[dev]"' in command  # pytest and the judge come with the dev extra
    assert 'pip install "torch==2.13.0"' in command.split("&&")[0]  # the pinned CPU torch first
    assert command.endswith("python3 -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    runnable = [ln for ln in ci if ln.strip() and not ln.lstrip().startswith("#")]
    assert runnable[-1] == command  # .ci/run ends with the README's command, character for character
    assert not any("pytest" in ln for ln in runnable[:-1])


def test_readme_demo_command_installs_then_runs_the_demo() -> None:
    assert _block_after("One command installs dbsynth") == "pip install -e . && dbsynth demo"
    assert (ROOT / "examples" / "chinook" / "chinook.sqlite").is_file()
    assert 'dbsynth = "dbsynth.cli:main"' in (ROOT / "pyproject.toml").read_text()
