from __future__ import annotations

import re

import pytest

from bot.cli import _parser
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def subcommands() -> dict:
    parser = _parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    sub = subcommands()[name]
    assert sub.description and "example" in (sub.epilog or "")
    assert f"bot {name}" in README


def test_every_setting_is_in_env_example_and_readme() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    names = re.findall(r"^([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE)
    config = (REPO / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', config))
    assert set(names) == read
    for name in names:
        assert f"`{name}`" in README, name


def test_env_example_holds_no_secret() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET"):
        assert re.search(rf"^{name}=\s*$", example, flags=re.MULTILINE), name
    assert not re.search(r"\d{5,}:[A-Za-z0-9_-]{30,}", example)  # nothing token-shaped


def test_dotenv_is_ignored_by_git() -> None:
    import shutil
    import subprocess

    assert ".env" in (REPO / ".gitignore").read_text(encoding="utf-8").split()
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    check = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO, check=False)
    assert check.returncode == 0
    example = subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=REPO)
    assert example.returncode == 1  # tracked, as it should be


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_every_bot_command_is_in_the_readme_and_help() -> None:
    from bot.telegram_edge.texts import GROUP_MENU, PRIVATE_MENU, help_html

    help_text = help_html("SomeBot", reads_groups=False, inline=False)
    for command in {name for name, _ in (*PRIVATE_MENU, *GROUP_MENU)}:
        assert f"`/{command}" in README, command
        assert f"/{command} \u2014" in help_text, command
