"""Fixtures for the scheduler tests; the fakes live in scheduling_fakes."""

from __future__ import annotations

import pytest

from tests.scheduling.scheduling_fakes import FakeClaims, RecordingPoster


@pytest.fixture
def claims() -> FakeClaims:
    return FakeClaims()


@pytest.fixture
def poster() -> RecordingPoster:
    return RecordingPoster()
