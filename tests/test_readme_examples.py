"""Every command example in README and in each command's --help works on the `make demo` feed:
run as written from a folder holding that feed (the way a new user types it after `make demo`),
or, where it needs what a demo has not (a server's URL, the operator's key or file, a process
that runs until stopped), parsed with its options, the reason named here."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli

README = Path(__file__).parent.parent / "README.md"
NOT_RUN = {
    "example.org": "a remote feed's URL",
    "minisign.pub": "the operator's public key",
    "SDN_ADVANCED.XML": "the operator's downloaded file",
    "/srv/": "a production path",
    "/etc/": "a production configuration file",
    " serve": "serves until stopped (tests/test_api.py runs it)",
    "schedule --feeds": "polls until stopped (tests/test_scheduler.py runs it)",
    "schedule --only": "polls until stopped",
    "keygen": "writes the operator's secret key",
    "rebuild ": "replays the raw archive in the crawler's child process (tests/test_rebuild.py runs it)",
}


def readme_examples() -> list[str]:
    """The command lines of README's sh blocks."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith((".venv/bin/sanctions-feed ", "sanctions-feed "))]


def help_examples() -> list[str]:
    out = []
    for _, command in sorted(cli.commands.items()):
        help_text = command.help or ""
        if "Example" in help_text:
            out += [line.strip() for line in help_text.split("Example", 1)[1].splitlines()
                    if line.strip().startswith("sanctions-feed ")]
    return out


def arguments(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    if ">" in words:  # a redirection of the shell
        words = words[:words.index(">")]
    return words[1:]


def parsed(words: list[str], files_exist: bool = True) -> None:
    """The line's options, checked by the command's own parser (the group's options' files only
    where they exist: `--config /etc/...` names a production file)."""
    context = cli.make_context("sanctions-feed", list(words), resilient_parsing=not files_exist)
    name, command, rest = cli.resolve_command(context, [*context._protected_args, *context.args])
    assert command is not None, name
    command.make_context(name, rest, parent=context)


@pytest.fixture(scope="module")
def demo(sample_feed, tmp_path_factory) -> Path:
    """A copy of the demo feed's folder (the feed, its store, its raw archive)."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copytree(sample_feed.parent, folder, dirs_exist_ok=True)
    return folder


def test_the_readme_and_help_show_examples():
    assert len(readme_examples()) >= 15 and len(help_examples()) >= 15
    assert all(line.startswith(".venv/bin/sanctions-feed ") for line in readme_examples())  # works after make demo


@pytest.mark.parametrize("line", readme_examples() + help_examples())
def test_each_example_works_on_the_demo_feed(line, demo, monkeypatch):
    words = arguments(line)
    reason = next((why for marker, why in NOT_RUN.items() if marker in f" {line}"), None)
    monkeypatch.chdir(demo)  # before parsing: a file an example names is the demo's
    parsed(words, files_exist=reason is None)
    if reason is not None:
        return  # parsed; not run: `reason`
    monkeypatch.delenv("SANCTIONS_FEED_DIR", raising=False)
    monkeypatch.delenv("SANCTIONS_FEED_DB", raising=False)
    result = CliRunner().invoke(cli, words)
    allowed = {0, 1} if words[0] in ("check", "verify") else {0}
    assert result.exit_code in allowed, f"{line}\n{result.output}"
    if words[0] == "check" and "exit 1" in line:
        assert result.exit_code == 1, result.output
    if words[0] == "check" and "exit 0" in line:
        assert result.exit_code == 0, result.output
    assert result.output.strip() or words[0] in ("update",), line


def test_an_unknown_option_in_an_example_would_fail():
    with pytest.raises(click.UsageError):
        parsed(["check", "--no-such-option", "x"])


def test_the_readme_duckdb_example_runs_on_the_demo_feed(demo, monkeypatch):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed (the test extra)")
    (query,) = re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    monkeypatch.chdir(demo)
    rows = duckdb.sql(query.replace("\n  ", "\n")).fetchall()
    assert ("US Treasury OFAC", 21) in rows and len(rows) >= 7
