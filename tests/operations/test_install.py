"""The built wheel, installed (not editable) in a fresh virtualenv, works from a directory outside the repo."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv holding only the wheel; its dependencies come from the test venv through a .pth line."""
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("finops_bot-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # Without PYTHONPATH: run from a checkout with PYTHONPATH=., the target interpreter would find the
    # checkout's finops_bot.egg-info (written by the wheel build) and pip would call the wheel already installed.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    # The dependencies, but not the editable finops-bot: a plain path line runs no .pth hooks.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = tmp / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINOPS_", "DATABASE_URL", "SLACK_", "PYTHONPATH"))}
    return outside, {**env, "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}"}


def run(installed: tuple[Path, dict[str, str]], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    cwd, env = installed
    return subprocess.run(
        ["finops-bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_the_installed_cli_uses_its_own_code_and_the_shipped_config(installed) -> None:
    cwd, env = installed
    where = subprocess.run(
        ["python", "-c", "import bot; print(bot.__file__)"], cwd=cwd, env=env, capture_output=True, text=True
    ).stdout
    assert str(REPO) not in where and "site-packages" in where
    version = run(installed, "--version")
    assert version.returncode == 0 and version.stdout.strip() == "finops-bot 0.1.0"
    checked = run(installed, "check-config")
    assert checked.returncode == 0, checked.stderr
    assert "default_config" in checked.stdout  # the example shipped inside the package
    routed = run(installed, "route", "--sample")
    assert routed.returncode == 0, routed.stderr
    assert "tag:         engineering (responsible)" in routed.stdout
    assert not (cwd / "finops-bot.db").exists()


def test_init_writes_a_config_check_config_accepts(installed) -> None:
    cwd, _ = installed
    made = run(installed, "init", "my-config")
    assert made.returncode == 0, made.stderr
    assert (cwd / "my-config" / "personas.yaml").read_text().startswith("# finops-bot persona catalogue")
    assert run(installed, "check-config", "--config-dir", "my-config").returncode == 0
    again = run(installed, "init", "my-config")
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr


def test_demo_runs_from_the_installed_package(installed) -> None:
    demo = run(installed, "demo", timeout=240)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "#cost-alerts" in demo.stdout and "finops-bot APP" in demo.stdout
