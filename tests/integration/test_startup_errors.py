"""Issue 9: every mistake a person can make at a command or in a setting is one sentence with the fix.

Each case runs the real command in a subprocess, as someone following the README would, and checks
for one line on stderr, a non-zero exit and no traceback; under gunicorn as well as `kindwell serve`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skill.content import prompts_dir

ROOT = Path(__file__).resolve().parent.parent.parent
KINDWELL = [sys.executable, "-m", "skill.cli"]
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2"]
APP = "skill.web:create_app()"
SKILL_ID = "amzn1.ask.skill.8f2c1d9e-5b7a-4c3e-9d1f-2a6b8c0e4f71"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KINDWELL_", "AWS_", "VOSK_"))}
    clean.update(KINDWELL_DB=str(tmp_path / "kw.sqlite3"), KINDWELL_VOSK_CACHE=str(tmp_path / "vosk"))
    clean["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return clean


def run(command: list[str], env: dict[str, str], stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=180, cwd=cwd)


def one_sentence(result: subprocess.CompletedProcess[str], *needles: str, status: int = 2) -> str:
    """The one `kindwell: ...` line a failed command printed; asserts the exit status and no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert "Traceback" not in output and "Worker failed to boot" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.startswith("kindwell: ")]
    assert len(lines) == 1, output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# Configuration mistakes, each with a piece of the sentence that names the fix.
SETTINGS = {
    "no skill id with verification on": ({"KINDWELL_VERIFY": "1"}, "KINDWELL_SKILL_ID"),
    "an http public URL": ({"KINDWELL_VERIFY": "0", "KINDWELL_PUBLIC_URL": "http://example.org"}, "https://"),
    "a time zone on Mars": ({"KINDWELL_VERIFY": "0", "KINDWELL_TIMEZONE": "Mars/Base"}, "IANA time zone"),
    "a time zone that is a path": ({"KINDWELL_VERIFY": "0", "KINDWELL_TIMEZONE": "/etc/passwd"}, "Europe/London"),
    "DynamoDB without a region": ({"KINDWELL_VERIFY": "0", "KINDWELL_PERSISTENCE": "dynamodb"}, "set AWS_REGION"),
    "DynamoDB in no region": (
        {"KINDWELL_VERIFY": "0", "KINDWELL_PERSISTENCE": "dynamodb", "AWS_REGION": "mars-1"},
        "not an AWS region",
    ),
    "a body limit of nothing": ({"KINDWELL_VERIFY": "0", "KINDWELL_MAX_BODY_BYTES": "-5"}, "number of bytes"),
    "a database that cannot be": ({"KINDWELL_VERIFY": "0", "KINDWELL_DB": "/proc/kindwell/x.sqlite3"}, "KINDWELL_DB"),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_gunicorn_says_one_sentence_before_any_worker_boots(env: dict[str, str], case: str) -> None:
    settings, needle = SETTINGS[case]
    result = run([*GUNICORN, "-c", "python:skill.web.gunicorn_config", "--bind", f"127.0.0.1:{free_port()}", APP],
                 {**env, **settings})  # fmt: skip
    one_sentence(result, needle)


def test_gunicorn_reads_the_check_from_the_repository_without_being_told(env: dict[str, str]) -> None:
    # ./gunicorn.conf.py: the README's bare gunicorn command gets the same check.
    result = run([*GUNICORN, "--bind", f"127.0.0.1:{free_port()}", APP], {**env, "KINDWELL_VERIFY": "1"})
    one_sentence(result, "KINDWELL_SKILL_ID")


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_serve_says_the_same_sentence(env: dict[str, str], case: str) -> None:
    settings, needle = SETTINGS[case]
    result = run([*KINDWELL, "serve", "--port", str(free_port())], {**env, **settings})
    one_sentence(result, needle)
    assert "KindWell Alexa endpoint on" not in result.stdout


@pytest.mark.parametrize("port", ["80000", "-1", "0"])
def test_serve_refuses_a_port_that_cannot_be(env: dict[str, str], port: str) -> None:
    result = run([*KINDWELL, "serve", "--no-verify", "--port", port], env)
    one_sentence(result, "--port must be a TCP port from 1 to 65535")
    assert "endpoint on" not in result.stdout


def test_serve_on_a_port_in_use_says_so_before_announcing_anything(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run([*KINDWELL, "serve", "--no-verify", "--port", str(port)], env)
    one_sentence(result, f"port {port} is already in use", "--port")
    assert "endpoint on" not in result.stdout


def _serve_and_get(env: dict[str, str], tmp_path: Path, *arguments: str) -> str:
    """Start `kindwell serve`, ask for /healthz and a missing page, stop it; what it logged."""
    import http.client

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*KINDWELL, "serve", "--no-verify", "--port", str(port), *arguments], env=env,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "endpoint on" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        for path in ("/healthz", "/nothing"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
        time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    return log.read_text()


def test_serve_log_level_warning_quiets_werkzeug_and_files_get_no_colour_codes(
    env: dict[str, str], tmp_path: Path
) -> None:
    quiet = _serve_and_get(env, tmp_path, "--log-level", "warning")
    assert "GET /healthz" not in quiet and " INFO " not in quiet
    chatty = _serve_and_get(env, tmp_path, "--log-level", "info")
    assert '"GET /healthz HTTP/1.1" 200' in chatty and '"GET /nothing HTTP/1.1" 404' in chatty
    assert "\x1b[" not in chatty and "\x1b[" not in quiet


def test_dynamodb_with_only_aws_region_starts(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "KINDWELL_PERSISTENCE": "dynamodb", "AWS_REGION": "eu-west-1"}
    log = _serve_and_get(env, tmp_path)
    assert "Traceback" not in log and "NoRegionError" not in log


@pytest.fixture()
def prompts(tmp_path: Path) -> Path:
    copy = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), copy)
    return copy


def _edit(path: Path, old: str, new: str) -> int:
    """Replace old with new in a file; the (1-based) line the change is on."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    ("broken", "needle"),
    [('- "affirm (me"', "cannot be parsed"), ('- "affirm {nobody} me"', "uses {nobody}"),
     ('- "affirm <nobody> me"', "uses <nobody>")],
)  # fmt: skip
@pytest.mark.parametrize("command", [["sample", "AffirmationIntent"], ["nlu", "--templates-only"], ["export-model"]])
def test_a_bad_template_names_file_and_line_in_every_command(
    env: dict[str, str], prompts: Path, tmp_path: Path, broken: str, needle: str, command: list[str]
) -> None:
    en = prompts / "language" / "en.yaml"
    line = _edit(en, '- "affirm me"', broken)
    if command == ["export-model"]:
        command = [*command, str(tmp_path / "package")]
    result = run([*KINDWELL, *command], {**env, "KINDWELL_PROMPTS": str(prompts)}, stdin="hello\n")
    one_sentence(result, f"{en} line {line}:", needle)
    assert not (tmp_path / "package").exists()


def test_a_missing_response_key_is_found_at_start(env: dict[str, str], prompts: Path) -> None:
    _edit(prompts / "responses.yaml", "\nwelcome_new:", "\nwelcome_nu:")
    environment = {**env, "KINDWELL_PROMPTS": str(prompts), "KINDWELL_VERIFY": "0"}
    sentence = one_sentence(run([*KINDWELL, "serve", "--port", str(free_port())], environment), "'welcome_new'")
    assert str(prompts / "responses.yaml") in sentence
    one_sentence(run([*GUNICORN, "--bind", f"127.0.0.1:{free_port()}", APP], environment), "'welcome_new'")
    one_sentence(run([*KINDWELL, "voice", "--text", "--mute"], environment, stdin="hello\n"), "'welcome_new'")


def test_a_missing_care_response_names_care_yaml(env: dict[str, str], prompts: Path) -> None:
    _edit(prompts / "care.yaml", "care_goodbye:", "care_goodby:")
    result = run([*KINDWELL, "practices"], {**env, "KINDWELL_PROMPTS": str(prompts)})
    one_sentence(result, f"{prompts / 'care.yaml'} line ", "no response 'care_goodbye'")


@pytest.mark.parametrize("endpoint", ["notaurl", "http://kindwell.example.org/alexa", "https://", "https://a b/x"])
def test_export_model_refuses_an_endpoint_alexa_cannot_call(env: dict[str, str], tmp_path: Path, endpoint: str) -> None:
    result = run([*KINDWELL, "export-model", str(tmp_path / "package"), "--endpoint", endpoint], env)
    one_sentence(result, "--endpoint must be the https:// address")
    assert not (tmp_path / "package").exists()


def test_a_closed_pipe_ends_quietly(env: dict[str, str]) -> None:
    command = " ".join([*KINDWELL, "sample", "StartPracticeIntent", "--expand-lists", "-n", "100000", "| head -1"])
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, text=True, env=env,
                            timeout=180, cwd=ROOT)  # fmt: skip
    assert result.returncode == 141 and result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_a_timezone_mistake_is_one_sentence_offline_too(env: dict[str, str]) -> None:
    result = run([*KINDWELL, "voice", "--text", "--mute"], {**env, "KINDWELL_TIMEZONE": "Mars/Base"}, stdin="hi\n")
    one_sentence(result, "KINDWELL_TIMEZONE must be an IANA time zone name", "'Mars/Base'")


def test_mute_and_save_replies_together_are_refused(env: dict[str, str], tmp_path: Path) -> None:
    result = run([*KINDWELL, "voice", "--text", "--mute", "--save-replies", str(tmp_path / "out")], env, stdin="hi\n")
    one_sentence(result, "--mute", "--save-replies")
    assert not (tmp_path / "out").exists()


def test_render_to_an_unwritable_place_fails_before_rendering(env: dict[str, str], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "practice.mp3"
    result = run([*KINDWELL, "render", "soothing_breath", "--minutes", "10", "-o", str(target)], env)
    sentence = one_sentence(result, f"Cannot write {target}:")
    # Refused before rendering: no progress bar was drawn and no temporary file was left.
    assert ".tmp" not in sentence and "Rendering" not in result.stderr


def _korean_shelf(tmp_path: Path) -> Path:
    from testkit.voice import korean_model_path

    shelf = tmp_path / "shelf"
    shelf.mkdir()
    (shelf / "vosk-model-small-ko-0.22").symlink_to(korean_model_path(), target_is_directory=True)
    return shelf


def test_vosk_model_path_with_models_in_other_languages(env: dict[str, str], tmp_path: Path) -> None:
    shelf = _korean_shelf(tmp_path)
    result = run([*KINDWELL, "voice", "--wav", "x.wav"], {**env, "VOSK_MODEL_PATH": str(shelf)})
    one_sentence(result, "holds vosk-model-small-ko-0.22 but no English model", "kindwell models download en-us")
    folder = run([*KINDWELL, "voice", "--wav", "x.wav"], {**env, "KINDWELL_VOSK_MODEL": str(shelf)})
    one_sentence(folder, "is a folder of Vosk models (vosk-model-small-ko-0.22), not a model")


def test_models_list_says_which_model_voice_uses(env: dict[str, str], tmp_path: Path) -> None:
    shelf = _korean_shelf(tmp_path)
    listed = run([*KINDWELL, "models", "list"], {**env, "KINDWELL_VOSK_CACHE": str(shelf)})
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0] == str(shelf / "vosk-model-small-ko-0.22")
    assert "kindwell voice uses none of these" in listed.stdout and "no English model" in listed.stdout
    voice = run([*KINDWELL, "voice", "--wav", "x.wav"], {**env, "KINDWELL_VOSK_CACHE": str(shelf)})
    one_sentence(voice, "no English model")


def test_a_bad_template_stops_the_server_at_start(env: dict[str, str], prompts: Path) -> None:
    en = prompts / "language" / "en.yaml"
    line = _edit(en, '- "affirm me"', '- "affirm (me"')
    environment = {**env, "KINDWELL_PROMPTS": str(prompts), "KINDWELL_VERIFY": "0"}
    result = run([*KINDWELL, "serve", "--port", str(free_port())], environment)
    one_sentence(result, f"{en} line {line}:", "cannot be parsed")
