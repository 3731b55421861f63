"""Fixtures for the scheduler tests; the fakes live in scheduling_fakes."""

from __future__ import annotations

import pytest
from scheduling_fakes import FakeClaims, RecordingPoster


@pytest.fixture
def claims() -> FakeClaims:
    return FakeClaims()


@pytest.fixture
def poster() -> RecordingPoster:
    return RecordingPoster()


def _load_storage_fixtures() -> None:
    """Reuse the storage area's database fixtures (SQLite and PostgreSQL) for the race test.

    They live in tests/storage/conftest.py, which pytest only applies to that
    folder; once they move to tests/conftest.py they apply here on their own.
    """
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "storage" / "conftest.py"
    if not path.exists():
        return
    spec = importlib.util.spec_from_file_location("_scheduling_storage_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("postgres_database_url", "database_url", "migrated_engine", "store"):
        if hasattr(module, name):
            globals()[name] = getattr(module, name)


_load_storage_fixtures()
