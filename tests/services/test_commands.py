"""/finops against in-memory ports: one registry drives dispatch and help."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.domain.inputs import CommandRequest
from bot.domain.requests import RoutedDetail
from bot.render.commands import PUBLIC_HINT
from bot.services.commands import PUBLIC_FLAG, SUBCOMMANDS, Commands
from tests.services.fakes import FakeRequests, holder, request_view, shipped_config


def ask(service: Commands, text: str, user: str = "U1") -> dict:
    return service.respond(CommandRequest(text=text, user_id=user, channel_id="C1", team_id="T1"))


def text_of(response: dict) -> str:
    return json.dumps(response, ensure_ascii=False)


@pytest.fixture
def service() -> Commands:
    return Commands(holder({"UFIN": ("finance",)}), FakeRequests())


def test_help_lists_every_registered_subcommand(service: Commands) -> None:
    help_text = text_of(ask(service, "help"))
    for subcommand in SUBCOMMANDS:
        shown = subcommand.usage.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"/finops {shown}" in help_text


def test_help_says_how_to_post_an_answer_in_the_channel(service: Commands) -> None:
    # `--public` was read by the dispatcher but named nowhere a person could find it.
    assert "a command ending with `--public` is posted in the channel" in text_of(ask(service, "help"))
    assert PUBLIC_HINT == PUBLIC_FLAG


def test_help_placeholders_are_escaped_so_slack_shows_them(service: Commands) -> None:
    # Slack reads <id> as a link, even in backticks, and shows "/finops persona id".
    response = ask(service, "help")
    for text in (response["text"], *(block["text"]["text"] for block in response["blocks"])):
        assert "`/finops persona &lt;id&gt;`" in text and "`/finops route &lt;text&gt;`" in text
        assert "`/finops who-owns &lt;topic | account id | project" in text
        assert "<" not in text and ">" not in text


@pytest.mark.parametrize("name", [name for sub in SUBCOMMANDS for name in (sub.name, *sub.aliases)])
def test_every_registered_name_is_dispatched(service: Commands, name: str) -> None:
    assert "Unknown subcommand" not in text_of(ask(service, name))


def test_unknown_subcommands_are_named_back_safely(service: Commands) -> None:
    response = text_of(ask(service, "<!channel>&"))
    assert "Unknown subcommand" in response
    assert "<!channel>" not in response and "&lt;!channel&gt;&amp;" in response


def test_answers_are_private_unless_asked_public(service: Commands) -> None:
    assert ask(service, "personas")["response_type"] == "ephemeral"
    assert ask(service, "personas --public")["response_type"] == "in_channel"


def test_who_owns_names_the_owning_persona(service: Commands) -> None:
    assert "Procurement" in text_of(ask(service, "who-owns contract renewals"))


OWNED_NAMESPACES = {
    "teams": [
        {
            "id": "payments",
            "slack": {"channel": "#payments-eng"},
            "scopes": {"aws_accounts": ["111122223333"], "kubernetes_namespaces": ["prod-eu/payments", "checkout"]},
        }
    ]
}


@pytest.fixture
def owned_service() -> Commands:
    from tests.routing.routing_support import config_with_owners

    return Commands(holder(config=config_with_owners(shipped_config(), OWNED_NAMESPACES)), FakeRequests())


def test_who_owns_a_plain_word_namespace_is_a_scope_lookup(owned_service: Commands) -> None:
    # "payments" is also an invoices word: the Slack command answered "Invoices and billing".
    owned = ask(owned_service, "who-owns namespace checkout")["text"]
    assert owned.startswith("namespace checkout: payments")
    unowned = ask(owned_service, "who-owns namespace payments")["text"]
    assert unowned.startswith("No team owns namespace payments in owners.yaml")
    assert "Did you mean 'namespace prod-eu/payments'?" in unowned and "Invoices" not in unowned


def test_who_owns_a_short_account_id_explains_the_form(owned_service: Commands) -> None:
    assert "12345 has 5 digits: AWS account ids have 12 digits" in ask(owned_service, "who-owns account 12345")["text"]


def test_who_owns_a_topics_exact_wording_is_still_the_topic(owned_service: Commands) -> None:
    assert ask(owned_service, "who-owns namespace cost")["text"].startswith("Kubernetes cost allocation:")


def test_who_owns_an_unowned_scope_is_quoted_back_safely(owned_service: Commands) -> None:
    response = text_of(ask(owned_service, "who-owns namespace <!channel>"))
    # Not a namespace at all: its form is explained, the value quoted back escaped.
    assert "&lt;!channel&gt; cannot be a namespace id" in response and "<!channel>" not in response
    unowned = text_of(ask(owned_service, "who-owns namespace <b>pay</b>"))
    assert "&lt;b&gt;" in unowned and "<b>" not in unowned


def test_persona_accepts_a_display_name_and_suggests_close_ids(service: Commands) -> None:
    assert "Finance" in text_of(ask(service, "persona finance"))
    unknown = text_of(ask(service, "persona fiance"))
    assert "finance" in unknown and "fiance" in unknown


def test_persona_without_a_name_says_how_to_ask_and_lists_the_personas(service: Commands) -> None:
    answer = text_of(ask(service, "persona"))
    assert "Tell me a persona: `/finops persona finance`" in answer and "`finops-practitioner`" in answer
    assert "No persona called" not in answer


def test_help_reads_true_whether_shown_to_one_person_or_posted(service: Commands) -> None:
    answer = text_of(ask(service, "help --public"))
    assert "shown only to whoever asks" in answer and "shown to you alone" not in answer


def test_open_lists_the_store_rows_in_the_order_given() -> None:
    older = request_view(1, excerpt="older one")
    newer = request_view(2, excerpt="newer one", created_at=older.created_at.replace(year=2027))
    service = Commands(holder(), FakeRequests([newer, older]))

    listed = text_of(ask(service, "open"))

    assert listed.index("older one") < listed.index("newer one")


def test_open_shows_each_amount_as_its_message_stated_it() -> None:
    # A new user's finding: "$64.00" listed for a "$64/hour" commitment, "$52,200" for €45,000.
    rate = request_view(1, amount_usd=64.0, excerpt="savings plan")
    euros = request_view(2, amount_usd=52_200.0, excerpt="azure budget")
    dollars = request_view(3, amount_usd=3_410.77, excerpt="anomaly")
    store = FakeRequests([rate, euros, dollars])
    store.routed = {1: RoutedDetail((), "$64/hour"), 2: RoutedDetail((), "€45,000")}

    listed = ask(Commands(holder(), store), "open")["text"]

    assert "· $64/hour — savings plan" in listed
    assert "· €45,000 (≈ $52,200) — azure budget" in listed
    assert "· $3,411 — anomaly" in listed


def test_open_says_how_many_are_open_when_the_list_is_cut() -> None:
    opened = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    many = [request_view(i, created_at=opened + dt.timedelta(minutes=i)) for i in range(1, 35)]
    few = [request_view(i, created_at=opened + dt.timedelta(minutes=i)) for i in range(1, 4)]

    assert "(the oldest 20 of 34)" in ask(Commands(holder(), FakeRequests(many)), "open")["text"]
    assert "(3, oldest first)" in ask(Commands(holder(), FakeRequests(few)), "open")["text"]


def test_open_dates_a_taken_request_from_when_it_was_taken() -> None:
    opened = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    taken = request_view(1, status="acknowledged", created_at=opened, status_at=opened + dt.timedelta(days=3))
    still_open = request_view(2, created_at=opened, status_at=opened)
    listed = ask(Commands(holder(), FakeRequests([taken, still_open])), "open")["text"]

    assert "Taken since 2026-11-30 (opened 2026-11-27)" in listed
    assert "Open since 2026-11-27 —" in listed  # an open one: since it was opened, said once


def test_open_for_an_unknown_persona_asks_instead_of_listing(service: Commands) -> None:
    requests = service.requests
    assert "fiance" in text_of(ask(service, "open fiance"))
    assert requests.open_queries == []  # type: ignore[attr-defined]


def test_mine_lists_only_the_callers_personas() -> None:
    requests = FakeRequests([request_view(1, primary_persona="finance", excerpt="finance thing")])
    service = Commands(holder({"UFIN": ("finance",)}), requests)

    assert "finance thing" in text_of(ask(service, "mine", user="UFIN"))
    assert requests.open_queries[-1][0] == ("finance",)
    assert "not listed in any persona" in text_of(ask(service, "mine", user="USTRANGER"))


def test_the_app_manifest_hints_every_registered_subcommand() -> None:
    import yaml

    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yaml").read_text())
    [slash] = manifest["features"]["slash_commands"]
    for subcommand in SUBCOMMANDS:
        assert subcommand.name in slash["usage_hint"] or not subcommand.hinted
    assert [s.name for s in SUBCOMMANDS if not s.hinted] == ["mute", "mutes"]


def test_persona_shows_when_each_duty_is_posted_and_in_which_zone() -> None:
    # Finance-date duties have no cron `schedule`; they used to show as `None` (default timezone).
    config = shipped_config()
    procurement = next(p for p in config.personas.personas if p.id == "procurement")
    routing = config.routing.model_copy(update={"timezone": "Europe/Berlin"})
    service = Commands(holder(config=config.model_copy(update={"routing": routing})), FakeRequests())

    shown = ask(service, "persona procurement")["text"]

    assert "None" not in shown and "default timezone" not in shown
    for duty in procurement.duties:
        line = next(line for line in shown.splitlines() if line.startswith(f"• {duty.text}"))
        assert line.endswith("(Europe/Berlin)"), line
    assert "quarter end (last business day of Mar, Jun, Sep, Dec) at 10:00 (Europe/Berlin)" in shown
    assert "cron `30 9 * * MON-FRI` (UTC)" not in shown
    engineering = text_of(ask(Commands(holder(), FakeRequests()), "persona engineering"))
    assert "cron `30 9 * * MON-FRI` (UTC)" in engineering
