"""Routing accuracy on the evaluation corpus: `.venv/bin/python -m bench.bench_routing_accuracy`.

Scores the router and `/finops who-owns` (shipped `config/`, or `--config-dir`)
on `tests/routing/tuning/` and the frozen `tests/routing/heldout/` with
`bot.routing.evaluation`, and prints a markdown section: the two splits side by
side per metric with the issue 10 targets, each file's figures, and every
held-out failure with its reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config.loader import load_config
from bot.routing.evaluation import FileMetrics, combine, score_cases
from bot.routing.router import Router
from bot.routing.who_owns import TopicLookup

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "routing"
SPLITS = (("tuning", "tuning"), ("held-out", "heldout"))
LABELS = {
    "strict": "strict accuracy",
    "recall": "recall",
    "precision": "precision",
    "chatter_tagged": "chatter tagged",
    "primary": "primary",
    "amounts": "amounts",
    "who_owns": "who-owns",
}
# Held-out targets from issue 10, section 3.
TARGETS = {
    "strict": "≥ 0.90",
    "chatter_tagged": "≤ 0.05",
    "primary": "≥ 0.90",
    "amounts": "≥ 0.95",
    "who_owns": "≥ 0.95",
}


def score_split(directory: Path, router: Router, lookup: TopicLookup) -> list[FileMetrics]:
    results = []
    for path in sorted(directory.glob("*.yaml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        results.append(score_cases(cases, router=router, lookup=lookup, name=f"{directory.name}/{path.name}"))
    return results


def render(splits: dict[str, list[FileMetrics]], commit: str, config_dir: Path) -> str:
    totals = {name: combine(files, name) for name, files in splits.items()}
    names = list(splits)
    lines = [
        "## Routing accuracy (evaluation corpus)",
        "",
        f"`python -m bench.bench_routing_accuracy` on {dt.date.today().isoformat()}, commit `{commit}`, "
        f"config `{config_dir}`. Corpus: `tests/routing/tuning/` and the frozen `tests/routing/heldout/` "
        "(see its README). Ratios are hits/total.",
        "",
        "| metric | " + " | ".join(names) + " | held-out target |",
        "|---|" + "---|" * len(names) + "---|",
        "| cases | " + " | ".join(str(totals[n].cases) for n in names) + " | |",
    ]
    for metric, label in LABELS.items():
        row = " | ".join(str(getattr(totals[n], metric)) for n in names)
        lines.append(f"| {label} | {row} | {TARGETS.get(metric, '')} |")
    lines += ["", "### Per file", "", "| file | cases | " + " | ".join(LABELS.values()) + " |"]
    lines.append("|---|---|" + "---|" * len(LABELS))
    for files in splits.values():
        for item in files:
            cells = " | ".join(_short(getattr(item, metric)) for metric in LABELS)
            lines.append(f"| {item.name} | {item.cases} | {cells} |")
    heldout = splits.get("held-out", [])
    lines += ["", f"### Held-out failures ({sum(len(item.failures) for item in heldout)})", ""]
    for item in heldout:
        for failure in item.failures:
            lines.append(f"- `{item.name}` {failure.case_id}: {failure.reason}")
    return "\n".join(lines) + "\n"


def _short(ratio) -> str:
    value = ratio.value
    return "–" if value is None else f"{value:.2f}"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config-dir", default=str(ROOT / "config"), help="configuration to measure (default: config/)"
    )
    args = parser.parse_args(argv)
    config_dir = Path(args.config_dir)
    config = load_config(config_dir).config
    router, lookup = Router(config), TopicLookup(config)
    splits = {label: score_split(CORPUS / folder, router, lookup) for label, folder in SPLITS}
    shown = config_dir.relative_to(ROOT) if config_dir.is_relative_to(ROOT) else config_dir
    sys.stdout.write(render(splits, _commit(), shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
