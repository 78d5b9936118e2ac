"""Fixtures the audio tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.virtual_audio import VirtualAudio


@pytest.fixture(scope="module")
def virtual_audio() -> Iterator[VirtualAudio]:
    """A PulseAudio null sink and virtual microphone: real capture and playback devices, one set per module."""
    with VirtualAudio() as audio:
        yield audio
