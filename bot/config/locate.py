"""Where the configuration is: the directory asked for, ``./config``, or the one shipped in the package.

An installed bot has no repository around it, so the shipped example config
(the repository's ``config/``, copied into the wheel as ``bot/default_config``)
is the last place looked. A directory named explicitly (``--config-dir`` or
``FINOPS_CONFIG_DIR``) must exist: a typo there is an error, not a fallback;
so is a ``./config`` holding only one of the two files.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILES = ("personas.yaml", "routing.yaml")
LOCAL_DIR = Path("config")
# In a wheel: copied next to the code at build time (see setup.py).
PACKAGED_DIR = Path(__file__).resolve().parents[1] / "default_config"
# In a source checkout or an editable install: the repository's own config/.
SOURCE_DIR = Path(__file__).resolve().parents[2] / "config"


class ConfigDirError(Exception):
    """No usable config directory; the message is one line saying where we looked and what to do."""


def is_config_dir(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in CONFIG_FILES)


def shipped_config_dir() -> Path | None:
    """The example configuration that ships with the bot, wherever it was installed."""
    for candidate in (PACKAGED_DIR, SOURCE_DIR):
        if is_config_dir(candidate):
            return candidate
    return None


def locate_config_dir(given: str | Path | None, from_env: str | Path | None) -> tuple[Path, bool]:
    """The config directory and whether it is the shipped example (nothing of the operator's was found)."""
    for source, value in (("--config-dir", given), ("FINOPS_CONFIG_DIR", from_env)):
        if value:
            path = Path(value)
            if not path.exists():
                raise ConfigDirError(
                    f"config directory {path} ({source}) does not exist: "
                    f"create it with `finops-bot init {path}` or point {source} at the directory "
                    f"holding {' and '.join(CONFIG_FILES)}"
                )
            if not path.is_dir():
                raise ConfigDirError(f"{path} ({source}) is not a directory: point {source} at a config directory")
            return path, False
    # A ./config holding either file is the operator's, even half written: its errors say what is missing,
    # where falling back to the example would hide it.
    if LOCAL_DIR.is_dir() and any((LOCAL_DIR / name).is_file() for name in CONFIG_FILES):
        return LOCAL_DIR, False
    shipped = shipped_config_dir()
    if shipped is None:
        raise ConfigDirError(
            f"no config found: looked in --config-dir, $FINOPS_CONFIG_DIR and {LOCAL_DIR.resolve()}; "
            "run `finops-bot init` to write one, then set FINOPS_CONFIG_DIR or pass --config-dir"
        )
    return shipped, True
