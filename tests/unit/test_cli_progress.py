"""The local command line as people use it: progress with the total and the rate on a terminal
only, and --help that says the defaults."""

from __future__ import annotations

import io

import pytest

from infrastructure.local import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_the_total_and_the_rate_on_a_terminal(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", screen)
    with cli.Progress("cards", total=2000) as bar:
        for done in range(0, 2001, 500):
            bar.step(done)
    shown = screen.getvalue()
    assert "2000/2000" in shown
    assert "cards/s" in shown


def test_progress_learns_the_total_when_the_work_knows_it(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", screen)
    with cli.Progress("mails") as bar:
        bar.step(1, 3)
        bar.step(3, 3)
    assert "3/3" in screen.getvalue()


def test_no_progress_bar_where_no_one_watches(monkeypatch):
    piped = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", piped)
    with cli.Progress("cards", total=10) as bar:
        bar.step(10)
    assert piped.getvalue() == ""


def test_help_says_each_option_s_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--data-dir DATA_DIR (default: .local-data)" in shown
    assert "(default: 4566)" in shown
