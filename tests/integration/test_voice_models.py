"""Model management: find, download (a real HTTP server on loopback stands in for the internet,
which this machine cannot reach), SHA-256 check, atomic unpack, list; and the commands' errors."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_runner.errors import DownloadError, NoModelError
from local_runner.models import ModelSource, download, find_model, installed_models

KINDWELL = [sys.executable, "-m", "skill.cli"]


def model_zip(name: str) -> bytes:
    """A zip laid out like a Vosk model release (the files a model folder must have)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(f"{name}/am/final.mdl", b"\0" * 1000)
        bundle.writestr(f"{name}/conf/model.conf", "--min-active=200\n")
        bundle.writestr(f"{name}/README", "test model\n")
    return buffer.getvalue()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def publish(server_root: Path, name: str) -> ModelSource:
    data = model_zip(name)
    (server_root / f"{name}.zip").write_bytes(data)
    return ModelSource(name=name, url="", sha256=hashlib.sha256(data).hexdigest(), size_mb=1)


def test_download_checks_unpacks_atomically_and_lists(tmp_path: Path, server: str) -> None:
    source = publish(tmp_path / "www", "vosk-model-test-en-us-0.1")
    source = ModelSource(source.name, f"{server}/{source.name}.zip", source.sha256, 1)
    cache = tmp_path / "cache"
    seen: list[tuple[int, int | None]] = []
    path = download(source=source, directory=cache, progress=lambda done, total: seen.append((done, total)))
    assert path == cache / source.name
    assert (path / "am" / "final.mdl").is_file()
    assert seen and seen[-1][0] == seen[-1][1]
    assert installed_models(cache) == [path]
    assert sorted(p.name for p in cache.iterdir()) == [source.name]  # no leftovers
    assert download(source=source, directory=cache) == path  # already there: no second fetch


def test_a_damaged_download_is_refused_and_leaves_nothing(tmp_path: Path, server: str) -> None:
    good = publish(tmp_path / "www", "vosk-model-test-en-us-0.1")
    damaged = ModelSource(good.name, f"{server}/{good.name}.zip", "0" * 64, 1)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="damaged"):
        download(source=damaged, directory=cache)
    assert list(cache.iterdir()) == []


def test_not_a_zip_is_refused(tmp_path: Path, server: str) -> None:
    (tmp_path / "www" / "x.zip").write_bytes(b"<html>not found</html>")
    source = ModelSource("x", f"{server}/x.zip", hashlib.sha256(b"<html>not found</html>").hexdigest(), 1)
    with pytest.raises(DownloadError, match="not a zip"):
        download(source=source, directory=tmp_path / "cache")


def test_offline_is_one_clear_sentence(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    source = ModelSource("m", f"http://127.0.0.1:{port}/m.zip", "0" * 64, 1)
    with pytest.raises(DownloadError, match=r"^Cannot reach 127\.0\.0\.1 to download the model"):
        download(source=source, directory=tmp_path / "cache")


def test_unknown_model_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="choose one of: en-us"):
        download("klingon", directory=tmp_path)


def test_model_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KINDWELL_VOSK_CACHE", str(cache))
    monkeypatch.delenv("KINDWELL_VOSK_MODEL", raising=False)
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    with pytest.raises(NoModelError, match=r"^No Vosk model found\. Run `kindwell models download en-us`"):
        find_model()
    english = cache / "vosk-model-small-en-us-0.15"
    for folder in (english, tmp_path / "shelf" / "vosk-model-small-en-us-0.15"):
        (folder / "am").mkdir(parents=True)
        (folder / "conf").mkdir()
        (folder / "am" / "final.mdl").write_bytes(b"x")
        (folder / "conf" / "model.conf").write_text("")
    assert find_model() == english
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path / "shelf"))
    assert find_model() == tmp_path / "shelf" / "vosk-model-small-en-us-0.15"
    monkeypatch.setenv("KINDWELL_VOSK_MODEL", str(tmp_path / "mine"))
    assert find_model() == tmp_path / "mine"
    assert find_model(tmp_path / "explicit") == tmp_path / "explicit"


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KINDWELL, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("KINDWELL_VOSK_MODEL", "VOSK_MODEL_PATH")}
    clean.update(KINDWELL_VOSK_CACHE=str(tmp_path / "cache"), KINDWELL_DB=str(tmp_path / "kw.sqlite3"))
    return clean


def test_cli_no_model_is_one_line_and_exit_2(env: dict[str, str]) -> None:
    result = run_cli("voice", "--wav", "x.wav", env=env)
    assert result.returncode == 2
    assert (
        result.stderr == "kindwell: No Vosk model found. Run `kindwell models download en-us` or pass --model PATH.\n"
    )


def test_cli_corrupt_model_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    (broken / "conf").mkdir()
    (broken / "am" / "final.mdl").write_bytes(b"garbage")
    (broken / "conf" / "model.conf").write_text("")
    result = run_cli("voice", "--model", str(broken), "--wav", "x.wav", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot be loaded" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_a_model_in_another_language_is_refused(env: dict[str, str]) -> None:
    from testkit.voice import korean_model_path

    result = run_cli("voice", "--model", str(korean_model_path()), "--wav", "x.wav", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("pass --model PATH to an English model.")


def test_cli_models_list_and_download_offline(env: dict[str, str]) -> None:
    listed = run_cli("models", "list", env=env)
    assert listed.returncode == 0 and "kindwell models download en-us" in listed.stdout
    unknown = run_cli("models", "download", "klingon", env=env)
    assert unknown.returncode == 2 and "choose one of: en-us" in unknown.stderr


def test_cli_usage_errors(env: dict[str, str]) -> None:
    assert "without --wav" in run_cli("voice", "a.wav", env=env).stderr
    assert "needs at least one WAV file" in run_cli("voice", "--wav", env=env).stderr


def test_cli_text_mode_from_a_pipe(env: dict[str, str]) -> None:
    result = run_cli("voice", "--text", "--mute", env=env, stdin="give me an affirmation\nhow am i doing\nstop\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("KindWell: ") for line in lines)
    assert "Goodbye" in lines[-1] or "Take care" in lines[-1] or "goodbye" in lines[-1].lower()


def test_cli_no_audio_device_is_one_line(env: dict[str, str]) -> None:
    # No PulseAudio to talk to and no sound card: PortAudio has no output device.
    result = run_cli("voice", "--text", env={**env, "PULSE_SERVER": "unix:/nonexistent"}, stdin="stop\n")
    assert result.returncode == 2
    assert result.stderr.startswith("kindwell: No usable speaker") and result.stderr.count("\n") == 1


def test_cli_ctrl_c_says_goodbye_and_exits_130(env: dict[str, str]) -> None:
    import signal
    import time

    process = subprocess.Popen(
        [*KINDWELL, "voice", "--text", "--mute"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("start a ten minute mindful pause\n")
    process.stdin.flush()
    lines = [process.stdout.readline(), process.stdout.readline()]  # welcome, then the practice
    assert all(line.startswith("KindWell: ") for line in lines)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "saved your place" in out
    assert "Traceback" not in err


def test_cli_espeak_missing_is_one_line(env: dict[str, str]) -> None:
    # espeak-ng cannot be uninstalled inside a test: the driver module that loads its library is
    # made unimportable instead, which is what a machine without libespeak-ng looks like to Python.
    code = (
        "import sys; sys.modules['pyttsx3.drivers._espeak'] = None; "
        "from skill.cli import main; sys.argv = ['kindwell', 'voice', '--text']; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input="stop\n", capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr == (
        "kindwell: espeak-ng is not installed; install it with `sudo apt-get install espeak-ng` "
        "(or run `make system-deps`).\n"
    )
