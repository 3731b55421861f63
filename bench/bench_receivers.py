"""Throughput of the alert receivers next to the Slack events path, on one `finops-bot serve`.

Loopback only, bounded: per round, BENCH_ALERTS signed Slack message events,
BENCH_ALERTS HMAC-signed webhook alerts (`/alerts/webhook/kubecost`) and
BENCH_ALERTS Pub/Sub push budget notifications (`/alerts/gcp/pubsub`, URL
token) from 20 concurrent clients, the three paths taking turns within each
round; BENCH_ROUNDS rounds (default 5) and medians reported. Storage: SQLite.

Measured per path: requests answered 2xx per second (the alert and its post are
committed before the answer), ack latency p50/p99, and posts/s (until every
post or thread reply reached the simulated Slack).

Run: .venv/bin/python -m bench.bench_receivers   (prints a markdown section)
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from bot.config.loader import load_config
from bot.devtools.local import LocalBot, bot_env, seed_workspace
from bot.devtools.simulator import SlackSimulator
from bot.receivers.webhook import sign

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 20
ALERTS = int(os.environ.get("BENCH_ALERTS", "400"))
ROUNDS = max(5, int(os.environ.get("BENCH_ROUNDS", "5")))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
WEBHOOK_SECRET = "bench-webhook-secret"
PUBSUB_TOKEN = "bench-pubsub-token"
RECEIVERS_YAML = """
receivers:
  gcp_pubsub:
    channel: "#cost-alerts"
    allow_url_token: true
  webhooks:
    - source: kubecost
      channel: "#cost-alerts"
      fields: {text: message, amount: totalCost, id: id, scope: {namespace: labels.namespace}}
"""
SLACK_TEXT = "AWS Budgets: team-{n}-monthly has exceeded your alert threshold. ACTUAL Amount: $41,236.55"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


_connections = threading.local()


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST on this thread's keep-alive connection, as the simulator's client does for Slack events."""
    parts = urlsplit(url)
    connection = getattr(_connections, "connection", None)
    if connection is None:
        connection = _connections.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
    response = connection.getresponse()
    response.read()
    return response.status


def webhook_request(base: str, round_number: int, n: int) -> Callable[[], int]:
    body = json.dumps(
        {
            "id": f"bench-{round_number}-{n}",
            "message": f"Namespace team-{n} spent $1,840.22 over 7 days, above its budget",
            "totalCost": 1840.22,
            "labels": {"namespace": f"team-{n}"},
        }
    ).encode()

    def send() -> int:
        stamp = str(int(time.time()))
        return post_json(
            f"{base}/alerts/webhook/kubecost",
            body,
            {"X-Finops-Timestamp": stamp, "X-Finops-Signature": sign(WEBHOOK_SECRET, stamp, body)},
        )

    return send


def pubsub_request(base: str, round_number: int, n: int) -> Callable[[], int]:
    data = {
        "budgetDisplayName": f"project-{round_number}-{n}-monthly",
        "costAmount": 9012.5,
        "costIntervalStart": "2026-12-01T08:00:00Z",
        "budgetAmount": 10000.0,
        "budgetAmountType": "SPECIFIED_AMOUNT",
        "currencyCode": "USD",
        "alertThresholdExceeded": 0.9,
    }
    envelope = {
        "message": {
            "attributes": {"billingAccountId": "01D4EE-079462-DFD6EC", "budgetId": f"b-{round_number}-{n}"},
            "data": base64.b64encode(json.dumps(data).encode()).decode(),
            "messageId": f"ps-{round_number}-{n}",
        },
        "subscription": "projects/bench/subscriptions/finops-bot",
    }
    body = json.dumps(envelope).encode()
    return lambda: post_json(f"{base}/alerts/gcp/pubsub?token={PUBSUB_TOKEN}", body, {})


def run_phase(sim: SlackSimulator, senders: list[Callable[[], int]], is_post: Callable) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()

    def send(sender: Callable[[], int]) -> None:
        begin = time.monotonic()
        status = sender()
        elapsed = (time.monotonic() - begin) * 1000
        if status != 200:
            raise RuntimeError(f"answered {status}")
        with lock:
            latencies.append(elapsed)

    sim.reset_calls()
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, senders))
    acked = time.monotonic()
    posted = sim.wait_for(is_post, count=len(senders), timeout=300)
    finished = max(call.at for call in posted[: len(senders)])
    return {
        "requests_per_s": len(senders) / (acked - started),
        "posts_per_s": len(senders) / (finished - started),
        "ack_p50_ms": percentile(latencies, 0.5),
        "ack_p99_ms": percentile(latencies, 0.99),
    }


def main() -> int:
    rounds: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp, SlackSimulator(socket_mode=False) as sim:
        config_dir = Path(tmp) / "config"
        shutil.copytree(ROOT / "config", config_dir)
        with (config_dir / "routing.yaml").open("a", encoding="utf-8") as routing:
            routing.write(RECEIVERS_YAML)
        seed_workspace(sim, load_config(config_dir).config)
        user = sim.add_user("loadgen", email="loadgen@example.com")
        channel = sim.channel_id("cost-alerts")
        env = bot_env(
            sim,
            database=f"sqlite:///{tmp}/bench.db",
            config_dir=config_dir,
            extra={"FINOPS_WEBHOOK_SECRET_KUBECOST": WEBHOOK_SECRET, "FINOPS_PUBSUB_TOKEN": PUBSUB_TOKEN},
        )
        env.pop("FINOPS_SILENCES_REFRESH_SECONDS")  # the production default
        with LocalBot(env, workers=WORKERS, threads=THREADS) as bot:
            base = bot.url.removesuffix("/slack/events")

            def top_level(call) -> bool:
                return call.method == "chat.postMessage" and call.ok and not call.params.get("thread_ts")

            for number in range(ROUNDS):
                events = [
                    sim.record_message(channel, user, SLACK_TEXT.format(n=f"{number}-{i}")) for i in range(ALERTS)
                ]
                event_ts = {event["ts"] for event in events}

                def slack_sender(event: dict) -> Callable[[], int]:
                    return lambda: sim.send_event(bot.url, event).status

                phases = [
                    (
                        "Slack events (`/slack/events`)",
                        [slack_sender(e) for e in events],
                        lambda c, replied=event_ts: (
                            c.method == "chat.postMessage" and c.ok and c.params.get("thread_ts") in replied
                        ),
                    ),
                    (
                        "webhook (`/alerts/webhook/kubecost`)",
                        [webhook_request(base, number, i) for i in range(ALERTS)],
                        top_level,
                    ),
                    (
                        "Pub/Sub push (`/alerts/gcp/pubsub`)",
                        [pubsub_request(base, number, i) for i in range(ALERTS)],
                        top_level,
                    ),
                ]
                # Turns rotate each round so no path always runs first on a warm or cold server.
                for label, senders, is_post in phases[number % 3 :] + phases[: number % 3]:
                    rounds.setdefault(label, []).append(run_phase(sim, senders, is_post))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    medians = {
        label: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for label, runs in rounds.items()
    }
    (out / "receivers.json").write_text(json.dumps({"rounds": rounds, "medians": medians}, indent=2))
    print("## Alert receivers under load (`bench/bench_receivers.py`)\n")
    print(
        f"{ALERTS} requests per path per round from {CLIENTS} concurrent clients on loopback; one `finops-bot serve` "
        f"(gunicorn gthread, {WORKERS} workers × {THREADS} threads, SQLite); the simulator plays Slack. The three "
        f"paths take turns within each of {ROUNDS} rounds (order rotated); medians, requests/s range in brackets.\n"
    )
    print("| path | requests/s (2xx) | posts/s | ack p50 ms | ack p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for label, m in medians.items():
        values = [r["requests_per_s"] for r in rounds[label]]
        print(
            f"| {label} | {m['requests_per_s']:.0f} ({min(values):.0f}–{max(values):.0f}) | {m['posts_per_s']:.0f} "
            f"| {m['ack_p50_ms']:.1f} | {m['ack_p99_ms']:.1f} |"
        )
    print(
        "\nA Slack event is acknowledged after routing and committing its reply; a receiver answers 2xx after "
        "verifying, routing and committing the alert with its post. Posts/s counts until the last post reached Slack."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
