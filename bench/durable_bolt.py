"""The benchmark's durable floor: the least a bolt app that never loses an acknowledged event does.

Bare bolt (``bench.bare_bolt``) plus one INSERT of the event id and the raw
request body, committed before the ack, and one ``chat.postMessage`` per event
after it. It runs on the bot's own gunicorn settings, the bot's engine
settings (pool, SQLite pragmas: WAL, ``synchronous=NORMAL``, busy timeout) and
the bot's Web API client (``bot.app.make_web_client``), so whatever HTTP
client choice the bot makes, the floor makes too. The INSERT goes through the
raw DBAPI cursor, one transaction per event: what a careful hand-written app
would do, with no batching and no ORM.

Usage: python -m bench.durable_bolt PORT WORKERS THREADS (``DATABASE_URL`` and
Slack settings from the environment).
"""

from __future__ import annotations

import sys

from slack_bolt import App, BoltRequest
from sqlalchemy import Engine

from bot.app import make_web_client
from bot.settings import Settings
from bot.storage.db import database_url, make_engine
from bot.web.server import make_wsgi_app, serve

TABLE = "floor_events"


def create_table(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (event_id VARCHAR(128) PRIMARY KEY, body TEXT NOT NULL)"
        )


def load_durable_app(settings: Settings):
    engine = make_engine(database_url(settings.database_url))
    create_table(engine)
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    insert = f"INSERT INTO {TABLE} (event_id, body) VALUES ({mark}, {mark}) ON CONFLICT DO NOTHING"
    app = App(
        token=settings.bot_token.value,
        signing_secret=settings.signing_secret.value,
        client=make_web_client(settings),
    )

    @app.event("message")
    def reply(ack, body, event, client, request: BoltRequest) -> None:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(insert, (body["event_id"], request.raw_body))
            cursor.close()
            connection.commit()  # SQLite: the bot's engine runs it in autocommit, so the INSERT is committed
        finally:
            connection.close()
        ack()
        client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="Thanks, noted.")

    @app.command("/finops")
    def command(ack) -> None:
        ack({"response_type": "ephemeral", "text": "Engineering owns anomalies."})

    return make_wsgi_app(app, health=lambda: {"ok": True})


def main(argv: list[str]) -> int:
    port, workers, threads = (int(value) for value in argv[1:4])
    settings = Settings.from_env()
    engine = make_engine(database_url(settings.database_url))
    create_table(engine)  # once, before the workers race to
    engine.dispose()  # no connection crosses the fork
    serve(
        settings, port=port, workers=workers, threads=threads, host="127.0.0.1", load=lambda: load_durable_app(settings)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
