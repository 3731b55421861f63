"""Logging for every process: plain lines or one JSON object per line (``LOG_FORMAT=json``).

JSON lines carry ``request_id``, ``event_id`` and ``delivery_id`` whenever the
code that logs knows them (``bot.telemetry.context``). The same dictionary
configures gunicorn's own loggers, so a JSON deployment has no plain lines.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The standard fields every JSON line has; the ids and any `extra=` fields are added to them.
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def logging_dict(level: str, log_format: str) -> dict[str, Any]:
    formatter: dict[str, Any]
    if log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "bot.telemetry.context.ContextFilter"}},
        "formatters": {"bot": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "bot",
                "filters": ["context"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's loggers go through the same handler (gunicorn applies this dictionary itself).
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            # No access log: its lines carry request URLs, and receivers' URLs carry secrets
            # (?token=…), which never reach the logs. /metrics counts requests instead.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            # Alembic narrates every schema check at INFO; only its warnings are news in a running bot.
            "alembic": {"level": "DEBUG" if level == "DEBUG" else "WARNING"},
        },
    }


def configure(level: str, log_format: str) -> None:
    logging.config.dictConfig(logging_dict(level, log_format))
