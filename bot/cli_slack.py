"""Subcommands of `finops-bot` for this area (placeholder until implemented)."""

from __future__ import annotations

import argparse


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    return None
