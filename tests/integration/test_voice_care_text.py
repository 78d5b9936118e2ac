"""Each care tier and its follow-up through `kindwell voice --text --mute`, as a person would type them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KINDWELL = [sys.executable, "-m", "skill.cli", "voice", "--text", "--mute"]


def converse(tmp_path: Path, country: str, *lines: str) -> list[str]:
    """The replies KindWell prints to the typed lines (the first is the welcome)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDWELL_")}
    env.update(KINDWELL_DB=str(tmp_path / "kw.sqlite3"), KINDWELL_COUNTRY=country, HOME=str(tmp_path))
    result = subprocess.run(
        KINDWELL, input="".join(f"{line}\n" for line in lines), capture_output=True, text=True, env=env, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    replies = result.stdout.splitlines()
    assert all(reply.startswith("KindWell: ") for reply in replies)
    return replies


def test_crisis_then_yes_breathes_then_no_keeps_the_door_open_then_stop_ends_gently(tmp_path: Path) -> None:
    _welcome, crisis, breath, declined, goodbye = converse(
        tmp_path, "GB", "i've been saving up my tablets and i've counted them", "yes", "no", "stop"
    )
    samaritans = "one one six, one two three"
    assert samaritans in crisis and "nine nine nine" in crisis
    assert "breathe" in breath.lower() and samaritans in breath
    assert samaritans in declined and "goodbye" not in declined.lower()
    assert samaritans in goodbye


def test_someone_else_at_risk_gets_the_steps_and_yes_repeats_them(tmp_path: Path) -> None:
    replies = converse(tmp_path, "NZ", "my brother keeps saying he wants to end his life", "yes", "no")
    assert "stay with them" in replies[1] and "one seven three seven" in replies[1]
    assert "stay with them" in replies[2]
    assert "one seven three seven" in replies[3]


@pytest.mark.parametrize("line", ["i'm done trying", "nothing matters anymore"])
def test_concern_is_never_taken_for_stop_and_no_is_met_warmly(tmp_path: Path, line: str) -> None:
    replies = converse(tmp_path, "US", line, "no")
    assert "nine eight eight" in replies[1] and replies[1].rstrip().endswith("?")
    assert "nine eight eight" in replies[2]
    assert "goodbye" not in " ".join(replies[1:]).lower()


def test_self_criticism_in_a_check_in_gets_a_practice(tmp_path: Path) -> None:
    replies = converse(tmp_path, "US", "check in", "i keep screwing everything up")
    assert "nine eight eight" not in replies[2]
    assert "would you like" in replies[2].lower()
