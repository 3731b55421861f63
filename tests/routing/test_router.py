import json

import pytest

from bot.routing.router import Router
from tests.routing.routing_support import config_with_routing


def test_budget_alert_goes_to_finance_with_amount_and_explanation(router):
    decision = router.route_text(
        "AWS Budgets: data-prod has exceeded your alert threshold. "
        "ACTUAL Amount: $41,236.55 Alert Threshold: &gt; $40,000.00"
    )
    assert decision.is_request
    assert decision.personas[0] == "finance"
    assert decision.topics[0] == "budgets"
    assert decision.amount_usd == pytest.approx(41236.55)
    assert "finance responsible" in decision.explanation and "$41,236.55" in decision.explanation
    assert "exceeded your alert threshold" in decision.matched_terms


def test_chatter_tags_nobody(router):
    for text in (
        "I reserved the room for the retro",
        "the party budget for Friday is $200, bring snacks",
        "We beat our Q3 sales forecast!",
        "tag me on the PR when it's ready",
        "Kubernetes 1.30 upgrade on staging at 14:00",
        "Happy birthday Sam 🎂",
    ):
        decision = router.route_text(text)
        assert not decision.is_request, (text, decision.explanation)
        assert decision.personas == ()


def test_cost_message_without_topic_goes_to_fallback(router):
    decision = router.route_text("why is our AWS bill so high this month?")
    assert decision.personas == ("finops-practitioner",)
    assert decision.tags[0].role == "fallback"


def test_suspicious_anomaly_tags_security_and_engineering(router):
    decision = router.route_text("Cost anomaly detected: GPU VMs in a region with no prior usage, impact +$6,100")
    assert {"security", "engineering"} <= set(decision.personas)


def test_escalation_adds_leadership_for_large_amounts(router):
    decision = router.route_text("Our AWS EDP renewal: we are at a $4.2M/yr commit")
    roles = decision.roles
    assert roles.get("leadership") == "escalation"
    assert decision.personas[0] == "procurement"


def test_informational_updates_tag_nobody(router):
    decision = router.route_text("Kubecost weekly report: cluster prod cost $12,400 this week, no action needed")
    assert not decision.is_request


def test_primary_first_and_no_duplicates(router):
    decision = router.route_text(
        "AWS spend is tracking 40% over forecast ($310k vs $220k plan); every team check their accounts"
    )
    assert decision.personas[:2] == ("finance", "engineering")
    assert len(set(decision.personas)) == len(decision.personas)


def test_to_dict_is_json_and_deterministic(router):
    message = {"text": "RI utilization dropped to 71% on the AWS payer", "attachments": [{"text": "coverage too"}]}
    first, second = router.route(message).to_dict(), router.route(message).to_dict()
    assert first == second
    assert json.loads(json.dumps(first)) == first
    assert first["personas"][0] == "finops-practitioner"


def test_min_confidence_from_config(shipped_config):
    strict = config_with_routing(
        shipped_config,
        """
        min_confidence: 0.99
        topics:
          - id: rightsizing
            name: Rightsizing
            terms: [rightsize]
            owners: {responsible: [engineering]}
        """,
    )
    decision = Router(strict).route_text("can we rightsize the EC2 fleet to save cost?")
    assert decision.tags[0].role == "fallback"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\u202eRTL override cost\u200b\u200d anomaly on AWS",
        "e\u0301\u0301\u0301 combining marks on the EC2 bill 💸🔥",
        "x" * 200_000,
        "\x00\x01 control chars budget",
    ],
)
def test_odd_input_never_raises(router, text):
    decision = router.route_text(text)
    assert isinstance(decision.explanation, str) and decision.explanation


def test_route_accepts_non_mapping_junk(router):
    assert router.route([1, 2]).is_request is False  # type: ignore[arg-type]


def _one_topic_router(base, term: str) -> Router:
    return Router(
        config_with_routing(
            base,
            f"""
            topics:
              - id: storage-lifecycle
                name: Storage lifecycle
                terms: ["{term}"]
                owners: {{responsible: [engineering]}}
            """,
        )
    )


def test_a_decisive_term_is_evidence_enough_by_itself(shipped_config):
    text = "the 2019 access logs should go to glacier"
    assert _one_topic_router(shipped_config, "glacier!").route_text(text).personas == ("engineering",)
    assert _one_topic_router(shipped_config, "glacier").route_text(text).personas == ()


def test_a_cloud_name_in_a_question_is_a_request(router):
    decision = router.route_text("GKE node pools sit idle every weekend, can we scale them to zero?")
    assert decision.personas == ("engineering",)
    assert "idle-resources" in decision.topics


@pytest.mark.parametrize(
    "text",
    [
        "budget for the team lunch is $25 a head, pick a place by Thursday",
        "please commit the code before you leave so CI picks it up",
        "each instance of the PaymentValidator class opens its own DB connection",
        "can someone make the cloud icon in Figma a bit bigger?",
        "spot the difference between these two mockups",
        "Does the company savings plan match 401k contributions this year?",
        "is the gym membership reimbursement still $50 a month?",
    ],
)
def test_ambiguous_words_alone_are_not_cost_context(router, text):
    decision = router.route_text(text)
    assert decision.personas == (), decision.explanation


def test_deploy_notice_of_a_billing_service_tags_nobody(router):
    decision = router.route_text("deploying v2.3 of the billing service to prod at 5pm")
    assert decision.personas == () and not decision.is_request


def test_a_bill_question_without_topic_goes_to_the_fallback(router):
    decision = router.route_text("why is the bill up so much this month??")
    assert decision.personas == ("finops-practitioner",)
    assert decision.tags[0].role == "fallback"


# ---------------------------------------------------------------- money


def test_a_euro_alert_escalates_at_its_usd_equivalent(router):
    decision = router.route_text(
        "AWS Budgets: eu-platform has exceeded your alert threshold. ACTUAL Amount: €950,000.00"
    )
    assert decision.amount.stated() == "€950,000" and decision.amount.currency == "EUR"
    assert decision.amount_usd == pytest.approx(950_000 * 1.16)
    assert decision.roles.get("leadership") == "escalation"
    assert "€950,000 stated (≈ $1,102,000)" in decision.explanation


def test_a_commitment_rate_escalates_as_its_total_and_is_shown_as_stated(router):
    text = "Savings Plans purchase needs sign-off: Compute Savings Plan, 3 yr, No Upfront, $64.00/hour commitment"
    decision = router.route_text(text)
    assert decision.amount.stated() == "$64/hour" and decision.amount_usd == 64
    assert decision.amount.escalation_usd == 64 * 8760 * 3
    assert decision.roles.get("leadership") == "escalation"
    assert "$64/hour stated (≈ $1,681,920 over a 3-year commitment)" in decision.explanation


def test_to_dict_keeps_the_stated_amount_and_currency(router):
    data = router.route_text("GCP budget for analytics-prod: current spend ¥1,840,000, forecast over budget").to_dict()
    assert data["amount"]["stated"] == "¥1,840,000" and data["amount"]["currency"] == "JPY"
    assert data["amount_usd"] == pytest.approx(1_840_000 * 0.0065)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # The commitment is the subject; executing it (expiry, renewal, approved buy, exchange) is procurement's.
        ("our 1-year RDS reserved instances expire on jan 31, can someone renew them?", "procurement"),
        ("leadership approved the compute SP purchase. who executes the buy?", "procurement"),
        ("Las reservas de EC2 vencen el 31 de enero, ¿quién las renueva?", "procurement"),
        # Coverage, utilisation and recommendations keep the strategy with the practitioner.
        (
            "RI coverage dropped to 61%, should we renew the expiring reservations or move to savings plans?",
            "finops-practitioner",
        ),
        ("Savings Plans utilization is 72% on the expiring plan, what is our strategy?", "finops-practitioner"),
        # A showback or chargeback dashboard is built by the practitioner; the ledger side stays finance's.
        ("can we build a chargeback dashboard per cost center in Looker?", "finops-practitioner"),
        ("finance needs the chargeback journal entries posted before close", "finance"),
        # A licence true-up is the asset manager's count; a cloud commit's true-up stays procurement's.
        ("Oracle true-up is due and we found 24 extra processor licences on EC2", "itam"),
        ("the MACC true-up shortfall is $80k, who negotiates with Microsoft?", "procurement"),
    ],
)
def test_the_topic_naming_the_ask_leads_the_one_naming_the_subject(router, text, first):
    decision = router.route_text(text)
    assert decision.personas and decision.personas[0] == first, (text, decision.explanation)


@pytest.mark.parametrize(
    "text",
    [
        "are we over budget this month?",
        "<@U0FIN22> are we still within budget for Q4?",
        "are we ovr budgte this month or still ok?",
        "budget at 80% already and it's only the 10th",
        "how much budget do we have left for november?",
        "¿Nos hemos pasado del presupuesto este mes?",
        "El presupuesto de noviembre ya está al 80%, ¿quién lo revisa?",
        "Sind wir diesen Monat schon über dem Budget?",
        "On a dépassé le budget ce mois-ci ?",
        "Estouramos o orçamento este mês?",
    ],
)
def test_a_short_budget_question_in_a_cost_channel_is_the_cloud_budget(router, text):
    decision = router.route_text(text)
    assert decision.personas[:1] == ("finance",), (text, decision.explanation)


@pytest.mark.parametrize(
    "text",
    [
        "are we over budget for the holiday party this year?",
        "did we blow the hiring budget this month?",
        "we burned 80% of the error budget this month, freeze risky deploys?",
        "is the Q4 budget meeting still on?",
        "how much budget is left for the team outing this quarter?",
        "we're under budget on the redesign, nice",
        "the film went over budget",
        "el presupuesto para la cena de navidad ya está al 90%",
        "presupuesto de la boda al 90%",
        "Das Budget für die Weihnachtsfeier ist aufgebraucht",
        "o orçamento da festa de fim de ano estourou",
    ],
)
def test_another_budgets_question_stays_chatter(router, text):
    decision = router.route_text(text)
    assert not decision.is_request, (text, decision.explanation)


def test_a_zero_spend_budget_alert_is_the_sandbox_owners_tripwire(router):
    # AWS's zero-spend budget template alerts once actual spend passes $0.01.
    decision = router.route_text(
        "AWS Budgets: sandbox-lee has exceeded your alert threshold. You requested that we alert you when the "
        "ACTUAL Cost associated with your sandbox-lee budget is greater than $0.01 for the current month."
    )
    assert decision.personas[:1] == ("engineering",), decision.explanation


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # A report or dashboard only says where a workload spike was seen: the spike is engineering's.
        ("in Cost Explorer I see our CloudFront spend jumped from $1.1k to $4.8k this week, why?", "engineering"),
        ("our weekly cost report shows S3 doubled; who owns the data-lake bucket?", "engineering"),
        # Asking for the reporting itself stays the practitioner's.
        ("can we build a cost dashboard per squad in QuickSight?", "finops-practitioner"),
    ],
)
def test_a_report_that_shows_a_spike_yields_to_the_spike(router, text, first):
    decision = router.route_text(text)
    assert decision.personas[:1] == (first,), (text, decision.explanation)


def test_full_width_text_reads_its_amount(router):
    # A new-user trial: the topic matched but no amount was read from "＄５，０００".
    for decision in (
        router.route_text("ＡＷＳ ｂｕｄｇｅｔ exceeded ＄５，０００"),
        router.route({"text": "ＡＷＳ ｂｕｄｇｅｔ exceeded ＄５，０００"}),
    ):
        assert decision.topics == ("budgets",)
        assert decision.amount is not None and decision.amount.stated() == "$5,000"
        assert decision.amount_usd == pytest.approx(5000)


def test_low_commitment_utilisation_is_not_idle_resources(router):
    # "stop buying" is not "stop the instances": engineering joins only on a clean-up ask.
    decision = router.route_text("our Compute Savings Plan utilization is 71% this week — should we stop buying?")
    assert decision.topics == ("commitments",)
    assert "engineering" not in decision.personas
    asked = router.route_text(
        "Savings Plan utilization is 71% and we have unattached volumes and stopped instances, can someone delete them?"
    )
    assert "engineering" in asked.personas
