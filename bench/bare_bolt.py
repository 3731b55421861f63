"""The benchmark's floor: a bare bolt app that acks and posts a fixed reply, on our gunicorn setup.

Usage: python -m bench.bare_bolt PORT WORKERS THREADS (Slack settings from the environment).
"""

from __future__ import annotations

import sys

from slack_bolt import App

from bot.app import make_web_client
from bot.settings import Settings
from bot.web.server import make_wsgi_app, serve


def load_bare_app(settings: Settings):
    app = App(
        token=settings.bot_token.value,
        signing_secret=settings.signing_secret.value,
        client=make_web_client(settings),
    )

    @app.event("message")
    def reply(ack, event, client) -> None:
        ack()
        client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="Thanks, noted.")

    @app.command("/finops")
    def command(ack) -> None:
        ack({"response_type": "ephemeral", "text": "Engineering owns anomalies."})

    return make_wsgi_app(app, health=lambda: {"ok": True})


def main(argv: list[str]) -> int:
    port, workers, threads = (int(value) for value in argv[1:4])
    settings = Settings.from_env()
    serve(settings, port=port, workers=workers, threads=threads, host="127.0.0.1", load=lambda: load_bare_app(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
