"""What machine a benchmark ran on, for the figures in BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine_facts() -> dict[str, object]:
    cpu = platform.processor() or "unknown CPU"
    memory_gb = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except (OSError, ValueError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def describe(facts: dict[str, object]) -> str:
    return (
        f"{facts['cpu']}, {facts['cores']} cores, {facts['memory_gb']} GiB RAM; {facts['os']}; Python {facts['python']}"
    )
