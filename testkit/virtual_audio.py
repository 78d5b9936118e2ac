"""Real virtual audio devices for tests and benchmarks: a PulseAudio null sink as the speaker and a
virtual source fed from a second null sink as the microphone.

PortAudio sees them through the ALSA pulse plugin (libasound2-plugins) as its default devices.
Nothing here is a stand-in: audio really goes through PulseAudio, at the device's own pace.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from local_runner.errors import AudioDeviceError


class SupportsClose(Protocol):
    def close(self) -> None: ...


SPEAKER_SINK = "kindwell_speaker"
FEED_SINK = "kindwell_mic_feed"
MIC_SOURCE = "kindwell_mic"


def _pactl(*args: str) -> str:
    result = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10, check=False)
    if result.returncode != 0:
        raise AudioDeviceError(f"pactl {' '.join(args)} failed ({result.stderr.strip()}); is PulseAudio installed?")
    return result.stdout.strip()


def _server_running() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True, timeout=10, check=False).returncode == 0


@dataclass
class Recording:
    """Audio captured from a PulseAudio source, with the monotonic time each block arrived."""

    rate: int
    blocks: list[tuple[float, bytes]] = field(default_factory=list)

    def samples(self) -> np.ndarray:
        """Everything captured, int16."""
        return np.frombuffer(b"".join(b for _, b in self.blocks), dtype=np.int16)

    def time_of(self, index: int) -> float:
        """Approximate time.monotonic() at which sample `index` was captured."""
        seen = 0
        for arrived, block in self.blocks:
            count = len(block) // 2
            if index < seen + count:
                return arrived - (seen + count - index) / self.rate
            seen += count
        return self.blocks[-1][0] if self.blocks else 0.0

    def last_loud(self, threshold: int = 200) -> int | None:
        """Index of the last sample at or above threshold (None if all quiet)."""
        loud = np.flatnonzero(np.abs(self.samples().astype(np.int32)) >= threshold)
        return int(loud[-1]) if loud.size else None

    def first_loud(self, threshold: int = 200) -> int | None:
        """Index of the first sample at or above threshold (None if all quiet)."""
        loud = np.flatnonzero(np.abs(self.samples().astype(np.int32)) >= threshold)
        return int(loud[0]) if loud.size else None


class Recorder:
    """parec from one source into a Recording, on a thread, until stopped."""

    def __init__(self, source: str, rate: int) -> None:
        self.recording = Recording(rate)
        self._process = subprocess.Popen(
            ["parec", "-d", source, "--raw", "--format=s16le", f"--rate={rate}", "--channels=1", "--latency-msec=10"],
            stdout=subprocess.PIPE,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        while block := stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096):
            self.recording.blocks.append((time.monotonic(), block))

    def stop(self) -> Recording:
        """End the capture and return what was heard."""
        self._process.terminate()
        self._process.wait(timeout=5)
        self._thread.join(timeout=5)
        return self.recording


class VirtualAudio:
    """Starts PulseAudio if needed and loads the speaker sink and microphone source; undoes it on close."""

    def __init__(self, speaker_rate: int = 22050, mic_rate: int = 16000) -> None:
        self.speaker_rate = speaker_rate
        self.mic_rate = mic_rate
        self._modules: list[str] = []
        self._players: list[subprocess.Popen[bytes]] = []
        self._started_server = False

    def __enter__(self) -> VirtualAudio:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Make the devices and point PortAudio's defaults at them."""
        for tool in ("pulseaudio", "pactl", "parec", "pacat"):
            if shutil.which(tool) is None:
                raise AudioDeviceError(f"{tool} is missing; run `make setup` (it installs pulseaudio).")
        if not _server_running():
            # --exit-idle-time=-1: stay up between tests. As root PulseAudio warns but runs per user.
            subprocess.run(
                ["pulseaudio", "-D", "--exit-idle-time=-1", "--disallow-exit", "--log-target=stderr"],
                capture_output=True,
                timeout=20,
                check=False,
            )
            self._started_server = True
            deadline = time.monotonic() + 10
            while not _server_running():
                if time.monotonic() > deadline:
                    raise AudioDeviceError("PulseAudio did not start; run `pulseaudio -D` by hand to see why.")
                time.sleep(0.1)
        self._modules.append(
            _pactl(
                "load-module",
                "module-null-sink",
                f"sink_name={SPEAKER_SINK}",
                f"rate={self.speaker_rate}",
                "channels=1",
            )
        )
        self._modules.append(
            _pactl("load-module", "module-null-sink", f"sink_name={FEED_SINK}", f"rate={self.mic_rate}", "channels=1")
        )
        self._modules.append(
            _pactl("load-module", "module-virtual-source", f"source_name={MIC_SOURCE}", f"master={FEED_SINK}.monitor")
        )
        _pactl("set-default-sink", SPEAKER_SINK)
        _pactl("set-default-source", MIC_SOURCE)
        rescan_portaudio()

    def close(self) -> None:
        """Unload the devices (and stop PulseAudio if this started it)."""
        for player in self._players:
            try:
                player.wait(timeout=10)
            except subprocess.TimeoutExpired:
                player.terminate()
                player.wait(timeout=5)
        self._players.clear()
        for module in reversed(self._modules):
            subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=10, check=False)
        self._modules.clear()
        if self._started_server:
            subprocess.run(["pulseaudio", "--kill"], capture_output=True, timeout=10, check=False)
            self._started_server = False

    def record_speaker(self) -> Recorder:
        """Capture what the speaker plays (the null sink's monitor)."""
        return Recorder(f"{SPEAKER_SINK}.monitor", self.speaker_rate)

    def record_speaker_during(self, run: Callable[[], object], speaker: SupportsClose) -> np.ndarray:
        """Samples the speaker played while run() ran, and 0.3 s after; the speaker is closed at the end."""
        recorder = self.record_speaker()
        try:
            run()
            time.sleep(0.3)
        finally:
            captured = recorder.stop().samples()
            speaker.close()
        return captured

    def record_microphone_feed(self) -> Recorder:
        """Capture what is fed to the microphone."""
        return Recorder(f"{FEED_SINK}.monitor", self.mic_rate)

    def say_into_microphone(self, samples: np.ndarray) -> subprocess.Popen[bytes]:
        """Play int16 samples at the mic rate into the virtual microphone (returns at once)."""
        process = subprocess.Popen(
            [
                "pacat",
                "--playback",
                "-d",
                FEED_SINK,
                "--raw",
                "--format=s16le",
                f"--rate={self.mic_rate}",
                "--channels=1",
                "--latency-msec=10",
            ],
            stdin=subprocess.PIPE,
        )
        assert process.stdin is not None
        process.stdin.write(np.asarray(samples, dtype=np.int16).tobytes())
        process.stdin.close()
        self._players.append(process)
        return process


def rescan_portaudio() -> None:
    """Make PortAudio see devices created after it started (sounddevice's documented re-initialisation)."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()
