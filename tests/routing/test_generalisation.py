"""Routing rules for messages nobody tuned on (issue 10 §2): other languages,
chat shorthand and heavy typos, several asks in one message, over-tagging, and
a bounded cost for any text (issue 11 item 8). Each test states a rule and
tries it on several phrasings."""

from __future__ import annotations

import random
import string

import pytest

from bot.routing.matcher import NEW_WORDS_PER_MESSAGE, TYPO_WORK_PER_MESSAGE
from tests.routing.routing_support import config_with_routing

# (language, text, topic it must route to) — the common topics in four languages.
FOREIGN = [
    ("es", "¿Quién revisa la anomalía de costes en AWS de esta semana?", "cost-anomalies"),
    ("es", "El gasto de EC2 se disparó ayer, ¿alguien sabe por qué?", "cost-anomalies"),
    ("es", "Hemos superado el presupuesto de Azure de este mes, ¿quién lo gestiona?", "budgets"),
    ("es", "¿Podemos apagar las instancias de desarrollo por la noche y los fines de semana?", "idle-resources"),
    ("es", "Tenemos muchos volúmenes EBS huérfanos sin uso en la cuenta de AWS", "idle-resources"),
    ("es", "La renovación del contrato con Datadog vence en marzo, ¿quién negocia?", "contract-renewals"),
    ("es", "¿Quién decide si compramos más instancias reservadas en AWS?", "commitments"),
    ("es", "No encuentro la factura de AWS de octubre, ¿quién la tiene?", "invoices"),
    ("es", "¿Cómo hacemos el reparto de costes compartidos del clúster entre los equipos?", "cost-allocation"),
    ("es", "Hay muchos recursos sin etiquetar en la cuenta de GCP, ¿quién se encarga?", "tagging"),
    ("es", "¿Cuál es la huella de carbono de nuestra nube en AWS?", "sustainability"),
    ("fr", "Notre facture AWS est introuvable ce mois-ci, qui peut la retrouver ?", "invoices"),
    ("fr", "Pic de coûts sur BigQuery depuis hier, qui peut regarder ?", "cost-anomalies"),
    ("fr", "Le budget cloud AWS est dépassé de 15%, qui gère les alertes budget ?", "budgets"),
    ("fr", "Peut-on éteindre les instances de test la nuit et le week-end ?", "idle-resources"),
    ("fr", "Le renouvellement du contrat avec Snowflake arrive, qui s'en occupe ?", "contract-renewals"),
    ("fr", "Qui décide des instances réservées et des Savings Plans pour nos comptes AWS ?", "commitments"),
    ("fr", "Comment faire la répartition des coûts partagés entre les équipes sur Azure ?", "cost-allocation"),
    ("fr", "Trop de ressources non étiquetées dans nos comptes AWS, qui doit les taguer ?", "tagging"),
    ("fr", "Qui suit les émissions carbone de nos charges sur GCP ?", "sustainability"),
    ("de", "Wer kümmert sich um ungenutzte Ressourcen in unserem AWS-Konto?", "idle-resources"),
    ("de", "Die Kosten für EC2 sind pro Tag gestiegen, wer prüft das?", "cost-anomalies"),
    ("de", "Unser Azure Budget ist überschritten, wer ist dafür zuständig?", "budgets"),
    ("de", "Können wir die Testumgebung in AWS nachts und am Wochenende ausschalten?", "idle-resources"),
    (
        "de",
        "Der Vertrag mit unserem Cloud-Anbieter läuft aus, wer kümmert sich um die Verlängerung?",
        "contract-renewals",
    ),
    ("de", "Wer entscheidet über reservierte Instanzen für unsere AWS Konten?", "commitments"),
    ("de", "Wo ist die Rechnung von AWS für Oktober? Wer hat sie?", "invoices"),
    ("de", "Wie machen wir die Kostenverteilung des gemeinsamen Clusters auf die Teams?", "cost-allocation"),
    ("de", "Viele Ressourcen in GCP sind ungetaggt, wer kümmert sich um das Tagging?", "tagging"),
    ("de", "Wer berichtet über die Emissionen unserer AWS Nutzung?", "sustainability"),
    ("pt", "Quem aprova a renovação do contrato com a AWS?", "contract-renewals"),
    ("pt", "O custo do RDS dobrou ontem, alguém pode verificar a anomalia?", "cost-anomalies"),
    ("pt", "Estouramos o orçamento da AWS este mês, quem cuida disso?", "budgets"),
    ("pt", "Podemos desligar as máquinas de teste da AWS à noite e no fim de semana?", "idle-resources"),
    ("pt", "Quem decide a compra de instâncias reservadas na AWS?", "commitments"),
    ("pt", "Não recebemos a fatura da AWS de outubro, quem tem acesso?", "invoices"),
    ("pt", "Quem cuida da alocação de custos compartilhados entre os times no GCP?", "cost-allocation"),
    ("pt", "Temos muitos recursos sem tag na conta da AWS, quem resolve?", "tagging"),
    ("pt", "Qual é a pegada de carbono da nossa conta na AWS?", "sustainability"),
]


@pytest.mark.parametrize(("language", "text", "topic"), FOREIGN, ids=[f"{c[0]}-{i}" for i, c in enumerate(FOREIGN)])
def test_other_languages_route_like_english(router, shipped_config, language, text, topic):
    decision = router.route_text(text)
    assert decision.topics and decision.topics[0] == topic, (text, decision.explanation)
    assert decision.personas[0] == shipped_config.topic(topic).owners.responsible[0]


def test_every_language_covers_the_common_topics(shipped_config):
    common = {
        "cost-anomalies",
        "budgets",
        "idle-resources",
        "contract-renewals",
        "commitments",
        "invoices",
        "cost-allocation",
        "tagging",
        "sustainability",
    }
    for code in ("es", "fr", "de", "pt"):
        assert code in shipped_config.routing.languages
        covered = {t.id for t in shipped_config.routing.topics if t.terms_by_language.get(code)}
        assert common <= covered, (code, common - covered)


def test_foreign_chatter_stays_chatter(router):
    for text in (
        "¿Quién trae el pastel para el cumpleaños de Ana este viernes?",
        "Le déjeuner d'équipe est à midi, qui vient ?",
        "Wer kommt heute Abend mit ins Kino?",
        "Alguém viu o carregador do meu notebook?",
        "El presupuesto para la fiesta de fin de año es de 200 euros",
        "Das Budget für die Weihnachtsfeier ist knapp",
    ):
        decision = router.route_text(text)
        assert not decision.personas, (text, decision.explanation)


def test_english_words_that_are_other_words_in_a_language_are_ignored_there(router):
    # German "Tag" is "day", Spanish "actual" is "current".
    decision = router.route_text("Die Kosten für EC2 sind pro Tag gestiegen, wer prüft das?")
    assert "tagging" not in decision.topics
    decision = router.route_text("El coste actual de AWS se duplicó esta semana, ¿alguien puede revisar?")
    assert "financial-reporting" not in decision.topics
    assert decision.topics[0] == "cost-anomalies"


def test_one_word_gets_one_reading_across_languages(router):
    decision = router.route_text("¿Quién revisa la anomalía de costes en AWS de esta semana?")
    assert decision.matched_terms == ("anomalía de costes",)


def test_english_messages_are_not_read_as_other_languages(router):
    # A few words shared with other languages do not switch the reading.
    decision = router.route_text("the de facto owner of the la-1 cluster says the RDS bill doubled, who looks?")
    assert decision.topics[0] == "cost-anomalies"
    assert router.reader.languages_of(router.index.tokens("who owns the RI coverage in the EU accounts?")) == 0


def test_a_language_is_configured_not_coded(shipped_config):
    routing = """
languages:
  it:
    markers: [il, della, che, per, una, nostro, chi]
    context:
      money: [costo, costi, fattura]
topics:
  - id: invoices
    name: Invoices
    terms: [invoice]
    terms_by_language:
      it: [fattura!, fatture!]
    owners: {responsible: [finance]}
"""
    from bot.routing.router import Router

    router = Router(config_with_routing(shipped_config, routing))
    assert router.route_text("Chi ha la fattura di AWS per ottobre?").personas == ("finance",)
    assert router.route_text("Chi ha la fattura della cena?").topics == ("invoices",)  # decisive in Italian
    assert not router.route_text("il sole che sorge").personas


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("pls chk y r rds bil trippled lst wk", "cost-anomalies"),
        ("y is r aws bil up 40% this mo??", "cost-anomalies"),
        ("cn sm1 chk the untaged s3 bukets in prod acct pls", "tagging"),
        ("ec2 instnces r massivly overprovisoned in the stg env, can we rightsize?", "rightsizing"),
        ("who owns the aws forcast for nxt quarter?", "forecasting"),
        ("the RI utilisaton dropd to 60% lst mo, pls chk", "commitments"),
        ("we hv 40 unatached ebs volumes in prod acct, ok to delet?", "idle-resources"),
        ("budgt alert: gcp projct exceded 90% of its mthly budget", "budgets"),
    ],
)
def test_chat_shorthand_and_heavy_typos(router, text, topic):
    decision = router.route_text(text)
    assert decision.topics and decision.topics[0] == topic, (text, decision.explanation)


def test_two_typos_need_a_long_word_and_a_unique_correction(router):
    index = router.index
    # "recomendaton": two letters missing in a 12-letter word.
    assert index.canonical("recomendatons")[1]
    # Common 7-9 letter words two edits from a term are left alone.
    for word in ("compramos", "comprises", "computers", "contacted", "reporting"):
        stem_, typo = index.canonical(word)
        assert not typo, (word, stem_)


def test_any_40k_character_text_costs_bounded_work(shipped_config):
    from bot.routing.router import Router

    rng = random.Random(11)
    texts = [
        "a" * 40_000,
        "".join(rng.choice(string.ascii_letters) for _ in range(40_000)),
        " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(9, 24))) for _ in range(3000)),
        "".join(rng.choice("ａｂçдé語😀ﬁ̈ \u0301") for _ in range(40_000)),
        "-".join("".join(rng.choice(string.ascii_lowercase) for _ in range(8)) + "-ui" for _ in range(4000)),
    ]
    for text in texts:
        router = Router(shipped_config)  # cold caches: the worst case
        index = router.index
        before = index.typo_lookups
        new_words_before = len(index._token_cache)
        router.route_text(text[:40_000])
        # Typo candidates looked up: at most the per-message budget (plus the
        # last word that crossed it, at most 2 x 301 variants).
        assert index.typo_lookups - before <= TYPO_WORK_PER_MESSAGE + 2 * 301
        # Words fully resolved (folded, stemmed, corrected) and cached: bounded.
        assert len(index._token_cache) - new_words_before <= NEW_WORDS_PER_MESSAGE


@pytest.mark.parametrize(
    ("text", "must_tag"),
    [
        ("who chases the untagged buckets, and who decides the internal rate card?", {"engineering", "finance"}),
        ("who chases the untagged buckets? and who decides the chargeback rates?", {"engineering", "finance"}),
        (
            "Who approves the EDP renewal? Also, can someone look at the NAT gateway egress spike?",
            {"procurement", "engineering"},
        ),
        (
            "can you check the idle RDS instances in staging, and also who approves the GCP CUD purchase?",
            {"engineering", "finops-practitioner"},
        ),
        ("Please rightsize the overprovisioned EKS nodes. Who handles the Azure invoice?", {"engineering", "finance"}),
        (
            "we need to cut egress costs on the NAT gateways; who is tracking carbon emissions for the ESG report?",
            {"engineering", "sustainability"},
        ),
        (
            "who renews the Snowflake contract? and can someone look at why our BigQuery spend doubled?",
            {"procurement", "engineering"},
        ),
    ],
)
def test_several_asks_tag_each_asked_topics_owners(router, text, must_tag):
    decision = router.route_text(text)
    assert must_tag <= set(decision.personas), (text, decision.explanation)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("who enforces the cost-center tag on new resources, and who sets the per-BU AWS budgets?", "engineering"),
        ("untagged RDS + overdue AWS invoice. owners?", "engineering"),
        ("the AWS invoice is overdue; also the untagged RDS instances need owners", "finance"),
    ],
)
def test_several_asks_tag_in_the_order_asked(router, text, first):
    decision = router.route_text(text)
    assert len(decision.topics) >= 2 and decision.personas[0] == first, (text, decision.explanation)


@pytest.mark.parametrize(
    ("text", "topic", "not_topic"),
    [
        # A topic named inside a clause about another topic is mentioned in passing.
        (
            "the RDS bill spiked the week the new invoice template shipped, who looks at it?",
            "cost-anomalies",
            "invoices",
        ),
        (
            "Infracost says my PR adds $2.3k/mo, is that right? it's just one more RDS read replica",
            "cost-estimation",
            "sla-availability",
        ),
        (
            "Can we capitalize the cloud migration labor and the 3-yr all-upfront RIs, or is it all opex now?",
            "capitalization-tco",
            "commitments",
        ),
        # A one-word ask without a cloud or cost word of its own settles nothing.
        (
            "CUD coverage on Compute Engine is only 40%. should we commit more before the price change in January?",
            "commitments",
            "unit-economics",
        ),
        (
            "Security Hub costs $6.5k/month across 140 accounts now. can we cut the number of enabled controls?",
            "security-spend",
            "training-culture",
        ),
        (
            "Finance wants to start chargeback of cloud costs to product teams next FY. What model?",
            "showback-chargeback",
            "ai-gpu-spend",
        ),
    ],
)
def test_a_topic_mentioned_in_passing_does_not_join(router, text, topic, not_topic):
    decision = router.route_text(text)
    assert topic in decision.topics and not_topic not in decision.topics, (text, decision.explanation)


@pytest.mark.parametrize(
    "text",
    [
        "our EC2 spend spiked 40% yesterday and the Enterprise Support fee went up with it, who can look?",
        "the AWS Business Support fee doubled this month because spend doubled, anomaly?",
        "EC2 costs jumped 3x overnight; the support plan fee follows spend, who investigates the spike?",
    ],
)
def test_a_fee_named_in_passing_does_not_pull_in_contract_renewals(router, text):
    decision = router.route_text(text)
    assert decision.topics[0] == "cost-anomalies", (text, decision.explanation)
    assert "contract-renewals" not in decision.topics
    assert "procurement" not in decision.personas


def test_a_fee_that_is_the_question_still_routes(router):
    decision = router.route_text("who negotiates the Enterprise Support contract renewal with AWS?")
    assert decision.topics[0] == "contract-renewals"


@pytest.mark.parametrize(
    "text",
    [
        "GuardDuty spend went up over the last 3d after enabling all regions, expected?",
        "EC2 spend spiked 2h ago in us-east-1, who can look?",
        "Savings Plans coverage dropped to 60% over the past 7d, who decides whether we buy more?",
        "Lambda cost doubled in 48h, anyone?",
    ],
)
def test_duration_abbreviations_add_no_topic(router, text):
    decision = router.route_text(text)
    assert len(decision.topics) == 1, (text, decision.explanation)
    assert "suspicious-usage" not in decision.topics and "security" not in decision.personas[1:]


@pytest.mark.parametrize(
    "text",
    [
        "weekly AWS cost digest: total $182,400, flat vs last week. no anomalies.",
        "FYI the November cloud cost report is out. Nothing over budget, no action needed.",
        "EC2 spend report for the week: nothing over threshold, nothing unusual",
        "Der Kostenbericht für AWS im Oktober ist online, alles im Rahmen, keine Budgetüberschreitung",
        "Informe semanal de costes de AWS: sin anomalías, todo dentro del presupuesto",
        "Rapport hebdomadaire des coûts AWS : aucune anomalie, rien à signaler",
    ],
)
def test_a_report_that_negates_the_topic_tags_nobody(router, text):
    decision = router.route_text(text)
    assert not decision.personas, (text, decision.explanation)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Le budget cloud du T3 est dépassé, qui valide le dépassement ?", "budgets"),
        ("O orçamento de nuvem do time de dados estourou. Quem aprova?", "budgets"),
        ("El presupuesto de nube del equipo se superó, ¿quién lo aprueba?", "budgets"),
        ("Das Cloud-Budget des Datenteams ist überschritten, wer genehmigt das?", "budgets"),
        ("qui impose une politique de tagging entre les équipes ?", "tagging"),
        ("se filtró una clave de API de GCP y el gasto se disparó", "suspicious-usage"),
    ],
)
def test_other_languages_have_their_own_word_order(router, text, topic):
    decision = router.route_text(text)
    assert decision.topics and decision.topics[0] == topic, (text, decision.explanation)


@pytest.mark.parametrize(
    "text",
    [
        "the catering invoice for the offsite is $4,200, who pays?",
        "who pays the invoice for the team dinner? $380",
        "the hotel bill for the conference trip came to €2,100, who approves?",
    ],
)
def test_a_bill_that_names_everyday_spending_is_chatter(router, text):
    # A cost word qualified by what other spending it is for, with no cloud word: not the cloud's bill.
    assert not router.route_text(text).is_request


@pytest.mark.parametrize(
    "text",
    [
        "Cost anomaly event detected: $1,234 impact, who looks?",  # "event" qualifies no cost word
        "the AWS invoice for the offsite demo account is $4,200, who pays?",  # a cloud word settles it
    ],
)
def test_everyday_words_elsewhere_or_beside_a_cloud_word_do_not_silence_a_cost_request(router, text):
    assert router.route_text(text).is_request


@pytest.mark.parametrize("text", ["finops meetup next week, who is coming?", "what is finops?", "FinOps X recap"])
def test_a_message_about_finops_itself_tags_nobody(router, text):
    assert not router.route_text(text).is_request


def test_the_practice_name_still_grounds_a_cost_question(router):
    # Beside a topic's words the name is context as before: only a message grounded by nothing else is dropped.
    assert router.route_text("finops folks, can someone look at the forecast for Q3?").is_request
    assert router.route_text("finops: our EC2 spend doubled overnight").is_request


def test_an_hourly_rate_committed_for_years_is_cloud_context(router):
    decision = router.route_text("We plan to buy a 3-year Savings Plan at $64.00/hour, who approves?")
    assert decision.is_request
    assert "procurement" in [tag.persona for tag in decision.tags]
    assert not router.route_text("the contractor is $64.00/hour, who approves?").is_request
