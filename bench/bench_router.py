"""Router benchmark: `route --jsonl` throughput, scaling with terms, memory.

    .venv/bin/python bench/bench_router.py [--messages 20000] [--memory-messages 100000]

1. Throughput: the same realistic mix (short human requests and chatter, long
   alert payloads in text / attachments / blocks / JSON code blocks) through
   `route --jsonl`'s code path and through a plain substring scan over the
   same number of keywords (lower-cased text, `keyword in text` per keyword),
   both parsing JSON in and writing JSON out, side by side in one run.
2. Scaling: time per message with 100x the shipped terms (synthetic extra
   topics) against the shipped config. Target <= 1.5x.
3. Memory: `finops-bot route --jsonl` as a subprocess over 100,000 messages;
   peak RSS from getrusage(RUSAGE_CHILDREN) in a small launcher process.
   Target < 200 MB.

Prints a markdown section and writes bench/out/router.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.machine import describe, machine_facts  # noqa: E402
from bot.cli.routing import route_jsonl  # noqa: E402
from bot.config.loader import load_config  # noqa: E402
from bot.config.models import BotConfig, Owners, RoutingFile, Topic  # noqa: E402
from bot.routing.matcher import split_boost  # noqa: E402
from bot.routing.router import Router  # noqa: E402
from bot.routing.slack_text import message_text  # noqa: E402

HUMAN = [
    "found ~{n} unattached EBS volumes in {region}, ok to delete them? roughly ${k}k/mo",
    "who owns the RI coverage for {team}? utilization dropped to {p}% after the migration",
    "Our AWS EDP renewal is in {month}; who leads the negotiation? we're at ${m}M/yr",
    "can we get a cost dashboard for the {team} squad with their own accounts?",
    "GuardDuty went from ${k}k to ${k2}k/mo after enabling all regions, expected?",
    "why is our AWS bill up {p}% this month?",
    "I reserved conference room {n} for the retro",
    "Happy birthday {name}!!! 🎂",
    "deploying {team}-api v{n} to prod now",
    "tag me on the PR for the {team} login page",
    "Kubernetes 1.{n} upgrade on staging at 14:00 UTC",
    "Can we capitalize the {team} migration labor or is it all opex?",
]
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2"]
TEAMS = ["payments", "search", "ml", "checkout", "data"]
NAMES = ["Priya", "Sam", "Ana", "Kenji"]
MONTHS = ["Feb", "March", "June", "Oct"]


def _human(rng: random.Random) -> dict:
    text = rng.choice(HUMAN).format(
        n=rng.randint(2, 400),
        region=rng.choice(REGIONS),
        k=rng.randint(1, 20),
        k2=rng.randint(21, 40),
        p=rng.randint(5, 95),
        team=rng.choice(TEAMS),
        month=rng.choice(MONTHS),
        m=rng.randint(1, 9),
        name=rng.choice(NAMES),
    )
    return {"type": "message", "user": "U0123", "text": text}


def _anomaly_eventbridge(rng: random.Random) -> dict:
    impact = round(rng.uniform(100, 9000), 2)
    detail = {
        "version": "0",
        "id": f"{rng.getrandbits(64):016x}",
        "source": "aws.ce",
        "detail-type": "Anomaly Detected",
        "account": "123456789012",
        "region": "us-east-1",
        "time": "2025-06-14T06:12:09Z",
        "detail": {
            "accountName": "acme",
            "anomalyId": f"{rng.getrandbits(64):016x}",
            "anomalyScore": {"currentScore": 0.5, "maxScore": 0.6},
            "dimensionValue": "Amazon CloudWatch",
            "impact": {
                "maxImpact": impact / 3,
                "totalActualSpend": impact * 1.4,
                "totalExpectedSpend": impact * 0.4,
                "totalImpact": impact,
                "totalImpactPercentage": 250.0,
            },
            "rootCauses": [
                {
                    "linkedAccount": "456789012345",
                    "region": rng.choice(REGIONS),
                    "service": "Amazon CloudWatch",
                    "usageType": "EU-CW:MetricMonitorUsage",
                    "impact": {"contribution": impact * 0.9},
                }
            ],
            "monitorName": "AWS-Services-All",
            "anomalyDetailsLink": "https://console.aws.amazon.com/cost-management/home#/anomaly-detection/x",
        },
    }
    return {
        "type": "message",
        "bot_id": "B1",
        "text": "EventBridge relay\n```\n" + json.dumps(detail, indent=2) + "\n```",
    }


def _budget_sns(rng: random.Random) -> dict:
    actual = rng.randint(20_000, 90_000)
    text = (
        f"*AWS Budgets: team-{rng.choice(TEAMS)} has exceeded your alert threshold*\nAWS Budget Notification\n"
        "Dear AWS Customer,\n\nYou requested that we alert you when the ACTUAL Cost associated with your budget "
        f"is greater than ${actual - 1000:,}.00 for the current month. The ACTUAL Cost associated with this budget "
        f"is ${actual:,}.55. You can find additional details below.\n\nBudget Name: team\nBudget Type: Cost\n"
        f"Budgeted Amount: ${actual + 5000:,}.00\nAlert Type: ACTUAL\nAlert Threshold: &gt; ${actual - 1000:,}.00\n"
        f"ACTUAL Amount: ${actual:,}.55\n\n[1] https://console.aws.amazon.com/billing/home#/budgets"
    )
    return {"type": "message", "bot_id": "B2", "text": text}


def _chatbot_attachment(rng: random.Random) -> dict:
    impact = f"${rng.randint(500, 9000):,}.{rng.randint(10, 99)}"
    return {
        "type": "message",
        "bot_id": "B3",
        "text": f"AWS Cost Anomaly Detection Alert | Total impact: {impact}",
        "attachments": [
            {
                "fallback": f"AWS Cost Anomaly Detection Alert | Total impact: {impact}",
                "title": "AWS Cost Anomaly Detection Alert | Account: 123456789012",
                "title_link": "https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/1",
                "fields": [
                    {"title": "Monitor", "value": "AWS-Services-All", "short": True},
                    {"title": "Total impact", "value": impact, "short": True},
                    {"title": "Expected spend", "value": "$2,581.71", "short": True},
                    {
                        "title": "Top root cause",
                        "value": "Service: Amazon EC2\nRegion: us-east-1\nUsage type: BoxUsage",
                        "short": False,
                    },
                ],
            }
        ],
    }


def _kubecost_blocks(rng: random.Random) -> dict:
    return {
        "type": "message",
        "bot_id": "B4",
        "text": "Kubecost alert",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Kubecost Budget alert"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*Namespace:* {rng.choice(TEAMS)}"},
                    {"type": "mrkdwn", "text": f"*Current spend:* ${rng.randint(500, 3000)}.18"},
                    {"type": "mrkdwn", "text": "*Threshold:* $500.00"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<http://kubecost.local/x|Details>"}]},
        ],
    }


def make_messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    makers = [_human] * 6 + [_anomaly_eventbridge, _budget_sns, _chatbot_attachment, _kubecost_blocks]
    return [json.dumps(rng.choice(makers)(rng), ensure_ascii=False) for _ in range(count)]


def shipped_keywords(config: BotConfig) -> list[str]:
    return sorted({split_boost(term)[0].lower() for topic in config.routing.topics for term in topic.terms})


def substring_scan(lines: list[str], keywords: list[str], out: io.TextIOBase) -> None:
    """The baseline: lower-case the message text and test every keyword with `in`."""
    for line in lines:
        message = json.loads(line)
        text = message_text(message).lower() if isinstance(message, dict) else ""
        found = [kw for kw in keywords if kw in text]
        out.write(json.dumps({"keywords": found[:5], "tagged": bool(found)}) + "\n")


def inflated_config(config: BotConfig, factor: int, seed: int = 11) -> BotConfig:
    """The shipped config plus synthetic topics holding (factor - 1) x its terms."""
    rng = random.Random(seed)
    shipped = sum(len(t.terms) for t in config.routing.topics)
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiou"

    def word() -> str:
        # Three to five syllables: pronounceable like real vocabulary, yet rarely
        # an existing word, so the extra terms grow the index, not the hit count.
        return "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(3, 5)))

    extra_terms = [" ".join(word() for _ in range(rng.choice((1, 1, 2, 3)))) for _ in range(shipped * (factor - 1))]
    per_topic = 50
    extra = tuple(
        Topic(
            id=f"synthetic-{i}",
            name=f"Synthetic {i}",
            terms=tuple(extra_terms[j : j + per_topic]),
            owners=Owners(responsible=("engineering",)),
        )
        for i, j in enumerate(range(0, len(extra_terms), per_topic))
    )
    routing = RoutingFile.model_validate(
        {
            **config.routing.model_dump(),
            "topics": [*[t.model_dump() for t in config.routing.topics], *[t.model_dump() for t in extra]],
        }
    )
    return BotConfig(personas=config.personas, routing=routing, source_dir=config.source_dir)


# Runs the CLI from a tiny launcher process: a child forked from this (large)
# benchmark process would report the pages it inherited as its own RSS.
_LAUNCHER = """
import resource, subprocess, sys, time
cli = [sys.executable, "-m", "bot.cli", "route", "--jsonl", "--config-dir", sys.argv[2]]
start = time.perf_counter()
with open(sys.argv[1], "rb") as stdin:
    subprocess.run(cli, stdin=stdin, stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - start)
"""


def peak_rss_of_cli(lines: list[str], config_dir: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time of `finops-bot route --jsonl` over ``lines``."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        path = handle.name
    try:
        result = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, path, str(config_dir)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
    finally:
        os.unlink(path)
    max_rss_kib, elapsed = result.stdout.split()
    # Linux reports ru_maxrss in KiB.
    return int(max_rss_kib) / 1024, float(elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--memory-messages", type=int, default=100_000)
    parser.add_argument("--config-dir", default=str(REPO / "config"))
    args = parser.parse_args()

    # Memory first, while this process is still small: a forked child's peak
    # RSS would otherwise include pages inherited from the benchmark itself.
    memory_lines = make_messages(args.memory_messages, seed=3)
    rss_mb, cli_s = peak_rss_of_cli(memory_lines, Path(args.config_dir))
    del memory_lines

    config = load_config(args.config_dir).config
    lines = make_messages(args.messages)
    encoded = [line.encode("utf-8") for line in lines]
    mean_chars = sum(len(line) for line in lines) / len(lines)
    keywords = shipped_keywords(config)

    router = Router(config)
    big = inflated_config(config, 100)
    big_terms = sum(len(t.terms) for t in big.routing.topics)
    build_start = time.perf_counter()
    big_router = Router(big)
    big_build_s = time.perf_counter() - build_start
    # Warm the token caches as a long-running stream would, then interleave the
    # three contenders round by round so machine noise hits them alike.
    route_jsonl(router, encoded[:2000], io.StringIO())
    route_jsonl(big_router, encoded[:2000], io.StringIO())
    contenders = {
        "router": lambda: route_jsonl(router, encoded, io.StringIO()),
        "scan": lambda: substring_scan(lines, keywords, io.StringIO()),
        "big": lambda: route_jsonl(big_router, encoded, io.StringIO()),
    }
    best = {name: float("inf") for name in contenders}
    for _ in range(5):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    router_s, scan_s, big_s = best["router"], best["scan"], best["big"]

    shipped_terms = sum(len(t.terms) for t in config.routing.topics)
    result = {
        "machine": machine_facts(),
        "messages": args.messages,
        "mean_message_chars": round(mean_chars),
        "shipped_terms": shipped_terms,
        "router_msgs_per_s": round(args.messages / router_s),
        "substring_scan_msgs_per_s": round(args.messages / scan_s),
        "substring_keywords": len(keywords),
        "router_vs_scan": round(scan_s / router_s, 2),
        "inflated_terms": big_terms,
        "inflated_build_s": round(big_build_s, 2),
        "inflated_msgs_per_s": round(args.messages / big_s),
        "inflated_time_ratio": round(big_s / router_s, 3),
        "cli_messages": args.memory_messages,
        "cli_peak_rss_mb": round(rss_mb, 1),
        "cli_msgs_per_s": round(args.memory_messages / cli_s),
    }
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "router.json").write_text(json.dumps(result, indent=2) + "\n")

    m = result["machine"]
    print("## Router (`route --jsonl`)\n")
    print(f"Machine: {describe(m)}.")
    print(
        f"Workload: {args.messages:,} generated Slack messages (60% short human text and chatter, "
        f"40% alert payloads in text, attachments, blocks and JSON code blocks; "
        f"mean {result['mean_message_chars']} chars), JSON in and out, best of 5 interleaved rounds.\n"
    )
    print("| Measure | Result | Target |")
    print("|---|---|---|")
    print(f"| `route --jsonl` code path | {result['router_msgs_per_s']:,} msgs/s | ≥ substring scan |")
    print(f"| Substring scan, {len(keywords)} keywords | {result['substring_scan_msgs_per_s']:,} msgs/s | baseline |")
    print(f"| Router / scan speed | {result['router_vs_scan']}× | ≥ 1× |")
    print(
        f"| 100× terms ({big_terms:,} vs {shipped_terms}) | {result['inflated_msgs_per_s']:,} msgs/s, "
        f"{result['inflated_time_ratio']}× time per message (index built in {result['inflated_build_s']} s) | ≤ 1.5× |"
    )
    print(
        f"| `finops-bot route --jsonl` subprocess, {args.memory_messages:,} msgs | peak RSS "
        f"{result['cli_peak_rss_mb']} MB, {result['cli_msgs_per_s']:,} msgs/s incl. start-up | < 200 MB |"
    )
    print("\nResults written to bench/out/router.json.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
