"""Deployment paths: the production gunicorn command, `kindwell serve`, and settings from the environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.cli import main
from skill.errors import KindWellError, UserInputError
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app

from ..conftest import load_fixture
from ..unit.test_persistence import envelope as persistence_envelope
from ..web_support import LiveServer

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(command: list[str], env: dict[str, str], port: int) -> Iterator[tuple[LiveServer, subprocess.Popen[str]]]:
    """Start a server process and wait until its health check answers."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = LiveServer("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if server.request("GET", "/healthz").status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {process.communicate(timeout=5)}")
            time.sleep(0.2)
        yield server, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KINDWELL_")}
    env.update({"KINDWELL_DB": str(tmp_path / "progress.sqlite3"), "KINDWELL_CACHE": str(tmp_path / "cache")})
    env.update(extra)
    return env


def test_gunicorn_workers_and_threads_share_sqlite_without_losing_updates(tmp_path: Path) -> None:
    # The README's production command, with verification off because Amazon is not here to sign.
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
               "skill.web:create_app()"]  # fmt: skip
    body = json.dumps(load_fixture("launch")).encode()
    with running(command, base_env(tmp_path, KINDWELL_VERIFY="0"), port) as (server, _):
        statuses: list[int] = []

        def work() -> None:
            for _ in range(20):
                statuses.append(server.post(body, {"Content-Type": "application/json"}).status)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 160
    stored = SQLitePersistenceAdapter(tmp_path / "progress.sqlite3")
    user = load_fixture("launch")["context"]["System"]["user"]["userId"]
    assert stored.get_attributes(persistence_envelope(user))["visits"] == 160


def test_kindwell_serve_no_verify_warns_loudly_and_serves(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "skill.cli", "serve", "--no-verify", "--port", str(port), "--log-level", "warning"]
    with running(command, base_env(tmp_path), port) as (server, process):
        reply = server.post(json.dumps(load_fixture("amazon_help")).encode(), {"Content-Type": "application/json"})
        assert reply.status == 200 and "not therapy" in reply.json()["response"]["outputSpeech"]["ssml"]
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "REQUEST VERIFICATION IS OFF" in stderr and "never on a public address" in stderr


def test_kindwell_serve_without_a_skill_id_says_what_to_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve"], env={"KINDWELL_SKILL_ID": "", "KINDWELL_DB": str(tmp_path / "x")})
    assert result.exit_code == 2
    assert "Set KINDWELL_SKILL_ID" in result.output and "Traceback" not in result.output


def test_the_production_app_refuses_to_start_unverified_without_being_told(tmp_path: Path) -> None:
    with pytest.raises(KindWellError, match="set KINDWELL_SKILL_ID"):
        create_app(EndpointSettings(sqlite_path=tmp_path / "p.sqlite3"))


def test_settings_from_the_environment() -> None:
    settings = EndpointSettings.from_env(
        {"KINDWELL_SKILL_ID": " amzn1.ask.skill.x ", "KINDWELL_VERIFY": "off", "KINDWELL_PERSISTENCE": "DynamoDB",
         "KINDWELL_DYNAMODB_TABLE": "t", "AWS_DEFAULT_REGION": "eu-west-1", "KINDWELL_MAX_BODY_BYTES": "1000"}
    )  # fmt: skip
    assert settings == EndpointSettings(
        skill_id="amzn1.ask.skill.x", verify=False, persistence="dynamodb", dynamodb_table="t",
        aws_region="eu-west-1", max_body_bytes=1000,
    )  # fmt: skip
    assert EndpointSettings.from_env({}) == EndpointSettings()
    assert EndpointSettings.from_env({}, default_persistence="dynamodb").persistence == "dynamodb"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KINDWELL_VERIFY", "maybe", "KINDWELL_VERIFY must be 1 or 0"),
        ("KINDWELL_PERSISTENCE", "postgres", "must be sqlite or dynamodb"),
        ("KINDWELL_MAX_BODY_BYTES", "lots", "number of bytes"),
    ],
)
def test_bad_settings_are_one_clear_sentence(variable: str, value: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        EndpointSettings.from_env({variable: value})


def test_dynamodb_without_a_region_says_what_to_set() -> None:
    from skill.persistence import persistence_adapter

    with pytest.raises(KindWellError, match="set AWS_REGION"):
        persistence_adapter(EndpointSettings(persistence="dynamodb"))
