"""The directory gunicorn's workers share Prometheus samples through.

``PROMETHEUS_MULTIPROC_DIR`` when the operator set it (emptied of the last
run's files at start, as prometheus-client requires), else a fresh temporary
directory that ``serve`` makes. Either way it is set before prometheus-client
is first imported, in the master, so every forked worker writes there.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from bot.settings import Settings, share_metrics_dir


def prepare_metrics_dir(settings: Settings) -> Settings:
    """Settings naming the directory, now set for prometheus-client; once per server start."""
    path = settings.metrics_dir
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="finops-bot-metrics-"))
    else:
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    share_metrics_dir(path)
    return replace(settings, metrics_dir=path)
