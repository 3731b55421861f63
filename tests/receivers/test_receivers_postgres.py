"""Two `serve` instances on one PostgreSQL database: a delivery sent to both posts once; a silence applies to both."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot.devtools.local import LocalBot
from tests.receivers.conftest import Receivers, running_receivers
from tests.receivers.signing import COST_ANOMALY, sns_notification
from tests.receivers.test_receivers_serve import SNS, post_of, sns_headers

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema_url(postgres_database_url: str):
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(postgres_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{postgres_database_url}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_two_instances_post_an_sns_delivery_once_and_share_silences(tmp_path, schema_url: str) -> None:
    with running_receivers(tmp_path, schema_url) as first:
        second = LocalBot(first.harness.bot.env).start()
        try:
            other = Receivers(
                first.harness,
                second.url.removesuffix("/slack/events"),
                first.sns,
                first.sns_files,
                first.sns_base,
                first.google,
            )
            message = first.sns.sign(sns_notification(json.dumps(COST_ANOMALY), message_id="pg-1"), "2")
            targets = [first, other] * 4
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda r: r.post(SNS, message, sns_headers(message)), targets))
            assert sorted(body["action"] for _, body in answers) == ["duplicate"] * 7 + ["posted"]
            [request_id] = {body["request_id"] for _, body in answers}
            _request, post = post_of(first, request_id)
            assert [c for c in first.posts() if c.response.get("ts") == post.response.get("ts")] == [post]

            added = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "silence",
                    "add",
                    "--match",
                    "source=aws-cost-anomaly",
                    "--for",
                    "1h",
                    "--reason",
                    "load test",
                    "--by",
                    "ops",
                    "--database-url",
                    schema_url,
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert added.returncode == 0, added.stderr
            later = first.sns.sign(
                sns_notification(json.dumps(dict(COST_ANOMALY, anomalyId="pg-other")), message_id="pg-2"), "2"
            )
            assert other.post(SNS, later, sns_headers(later))[1]["action"] == "muted"
        finally:
            second.stop()
