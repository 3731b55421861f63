import pytest

from bot.routing.amounts import headline, headline_usd, parse_figure
from bot.routing.money import DEFAULT_RATES


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("costs $12,340.50 a month", 12340.50),
        ("roughly $2.1k/mo", 2100),
        ("USD 18,000 committed", 18000),
        ("we're at a $4.2M/yr commit", 4200000),
        ("paid US$5,000", 5000),
        ("18,000 USD per year", 18000),
        ("went from $3k to $11k/mo", 11000),
        ("AWS spend $310k vs $220k plan", 310000),
        ("Actual $1,940.10 vs expected $699.55 (+$1,240.55)", 1240.55),
        ("Alert Threshold: &gt; $40,000.00\nACTUAL Amount: $41,236.55", 41236.55),
        ("$42.50/hour commitment. Estimated monthly savings: $9,870 (21%).", 9870),
        ("Forecast to exceed $40,000 this month. Forecast: $46,700.00", 46700),
        ('{"totalImpact": 2310.0, "maxImpact": 900.1}', 2310.0),
        ('{"costAmount": 1402.18, "budgetAmount": 5000, "currencyCode": "USD"}', 1402.18),
        ('{"SpendingAmount": "20412.88", "Budget": "25000", "Unit": "USD"}', 20412.88),
        ("reached 50% of its $1,000 budget ($512.30 spent)", 512.30),
        # Tables and key: value lines: the total, the actual, not the budget above it.
        ("| Service | Cost |\n| EC2 | $4,200.00 |\n| S3 | $310.00 |\n| Total | $4,510.00 |", 4510),
        ("Account: prod\nBudget: $10,000.00\nActual: $12,345.67\nForecast: $14,000.00", 12345.67),
        ("Budget: $10,000.00\nActual: $12,345.67", 12345.67),
        # A credit is not the headline; the amount due is.
        ("Credit applied: -$1,200.00 on the invoice; total due $8,400.00", 8400),
        ("below 40% efficiency and above $50/day spend; idle cost $2,310.00 over the last 7d", 2310),
        ("Savings Plan at $0.125/hour", 0.125),
        ("Savings Plan at $1.125/hour", 1.125),
        # A label names the nearest figure on its right: the credit is not the bill after it.
        ("AWS credits of $5,000 were applied, bill is $12,000", 12000),
        ("credit: $300 applied; the invoice is $4,100", 4100),
        # A change: the new value is the headline, whatever the arrow.
        ("EC2 spend this week ($3,200 → $4,640), who checks?", 4640),
        ("EC2 spend this week ($3,200 -> $4,640), who checks?", 4640),
        ("EC2 spend went $3,200 to $4,640 this week", 4640),
        ("Forecast: $3,200 → $4,640 for December, budget $5,000", 4640),
        # ...unless the first figure is the change itself.
        ("spend increased by $500 to $4,640", 500),
    ],
)
def test_headline_amount(text, amount):
    assert headline_usd(text) == pytest.approx(amount)
    assert headline(text).currency == "USD"


@pytest.mark.parametrize(
    ("text", "amount", "currency", "stated"),
    [
        ("EUR 4,000 over budget", 4000, "EUR", "€4,000"),
        ("€1.200 spent", 1200, "EUR", "€1,200"),
        ("€1.200,50 spent on the data platform", 1200.5, "EUR", "€1,200.50"),
        ("the invoice came to 45.000 € this month", 45000, "EUR", "€45,000"),
        ("¥1,840,000 this month", 1840000, "JPY", "¥1,840,000"),
        ("A$5,000 in Sydney", 5000, "AUD", "A$5,000"),
        ("AU$5,000 in Sydney", 5000, "AUD", "A$5,000"),
        ("CA$12,500 over in ca-central-1", 12500, "CAD", "CA$12,500"),
        ("C$900 for the Toronto team", 900, "CAD", "CA$900"),
        ("£8,400 forecast for the London region", 8400, "GBP", "£8,400"),
        ("GBP 8,400 forecast", 8400, "GBP", "£8,400"),
        ("₹4,50,000 this month", 450000, "INR", "₹450,000"),  # Indian digit grouping (lakhs)
        ("Total: USD 1.234,56 this month", 1234.56, "USD", "$1,234.56"),
        ("+$3.200 sobre lo esperado ayer", 3200, "USD", "$3,200"),
        ("llevamos 45.000 $ en tres días", 45000, "USD", "$45,000"),
        ("Le budget cloud est dépassé de 18 000 €, qui valide ?", 18000, "EUR", "€18,000"),
        ("la facture est de 12 400 £ ce mois-ci", 12400, "GBP", "£12,400"),
        ("Monthly cost: CHF 2,000", 2000, "CHF", "2,000 CHF"),
        ("₹450000 spent on Mumbai instances", 450000, "INR", "₹450,000"),
        ("INR 90,000 this month", 90000, "INR", "₹90,000"),
        ('{"costAmount": 12000, "currencyCode": "CHF"}', 12000, "CHF", "12,000 CHF"),
        ('{"costAmount": 1402.18, "budgetAmount": 5000, "currencyCode": "EUR"}', 1402.18, "EUR", "€1,402.18"),
        ('{"SpendingAmount": "20412.88", "Budget": "25000", "Unit": "GBP"}', 20412.88, "GBP", "£20,412.88"),
        ("Current Spend: 1840000 Currency Type: JPY", 1840000, "JPY", "¥1,840,000"),
        ("*Current Spend:* 48200\n*Budget Amount Exceeded:* 50000\n*Currency Type:* EUR", 48200, "EUR", "€48,200"),
        ("Currency: CAD. Actual cost $1,200", 1200, "CAD", "CA$1,200"),
        # Locale formats: Indian grouping and scale words, Rs prefix, Swiss apostrophes, a sentence's
        # comma or full stop right after the figure.
        ("AWS bill is ₹18,40,000, can finance check?", 1840000, "INR", "₹1,840,000"),
        ("Azure invoice came to Rs. 4,25,000, please reconcile", 425000, "INR", "₹425,000"),
        ("Rs 3.2 lakh a month on idle EC2", 320000, "INR", "₹320,000/month"),
        ("cloud spend crossed ₹2.5 crore this year", 25000000, "INR", "₹25,000,000"),
        ("our GCP bill is 12 lakh rupees this month", 1200000, "INR", "₹1,200,000"),
        ("INR 1,23,45,678.50 this quarter", 12345678.5, "INR", "₹12,345,678.50"),
        ("the Azure invoice is CHF 1'234.50 higher than the PO", 1234.5, "CHF", "1,234.50 CHF"),
        ("GCP invoice: 12'500 CHF this month", 12500, "CHF", "12,500 CHF"),
        ("AWS bill jumped by CHF 10'000 this week, who checks?", 10000, "CHF", "10,000 CHF"),
        ("CHF 1'234'567.50 committed on the EDP", 1234567.5, "CHF", "1,234,567.50 CHF"),
        ("Azure bill is Rs. 3,00,000 this month", 300000, "INR", "₹300,000"),
        ("our GCP bill is 3 lakh rupees this month", 300000, "INR", "₹300,000"),
        ("AWS went from €3.200 → €4.640 this week", 4640, "EUR", "€4,640"),
        # Payloads' string amounts with thousands grouping, in the currency they declare.
        ('{"SpentAmount": "9,512.40", "Budget": "10,000", "Unit": "EUR"}', 9512.4, "EUR", "€9,512.40"),
        ('{"SpentAmount": "9.512,40", "Budget": "10.000", "Unit": "EUR"}', 9512.4, "EUR", "€9,512.40"),
        ("La facture AWS est de 1 234,56 €, pourquoi ?", 1234.56, "EUR", "€1,234.56"),
        ("Die Rechnung beträgt €1.234.", 1234, "EUR", "€1,234"),
        # Localised labels: the current spend, not the budget amount.
        ("90 % des Budgetbetrags von 40.000,00 EUR erreicht (aktuell 36.120,55 EUR)", 36120.55, "EUR", "€36,120.55"),
    ],
)
def test_other_currencies_are_read_as_stated(text, amount, currency, stated):
    found = headline(text)
    if amount is None:
        assert found is None or found.amount != 450000
        return
    assert (found.amount, found.currency, found.stated()) == (pytest.approx(amount), currency, stated)
    assert found.usd == pytest.approx(amount * DEFAULT_RATES[currency], abs=0.01)


@pytest.mark.parametrize(
    ("written", "currency", "value"),
    [
        ("9,512.40", "USD", 9512.4),
        ("9.512,40", "EUR", 9512.4),
        ("$1,200", "USD", 1200),
        ("1234.56 USD", "USD", 1234.56),
        ("CHF 1'234.50", "CHF", 1234.5),
        ("-12.5", "USD", -12.5),
        ("1.125", "EUR", 1.125),  # a bare number is a machine's: its dot is a decimal point
        ("about twelve", "USD", None),
    ],
)
def test_payload_string_figures(written, currency, value):
    assert parse_figure(written, currency) == (pytest.approx(value) if value is not None else None)


def test_conversion_uses_the_rates_given_and_keeps_unknown_currencies_as_stated():
    assert headline("EUR 4,000 over budget", {"USD": 1.0, "EUR": 1.5}).usd == 6000
    found = headline('{"costAmount": 12000, "currencyCode": "CHF"}', {"USD": 1.0})
    assert (found.amount, found.currency, found.usd, found.escalation_usd) == (12000, "CHF", None, None)


@pytest.mark.parametrize(
    "text",
    [
        "storage grew to 5,000 GB-Mo",
        "utilization dropped 20%",
        "Snowflake monitor reached 900 of 1,000 credits",
        '{"Amount": "5000", "Unit": "Hrs"}',
        "R2D2 and C3PO",
        "",
    ],
)
def test_no_amount(text):
    assert headline(text) is None


@pytest.mark.parametrize(
    ("text", "stated", "years", "total"),
    [
        (
            "Savings Plan (Compute, 3 yr, Partial Upfront, $64.00/hour) purchase needs approval",
            "$64/hour",
            3,
            64 * 8760 * 3,
        ),
        ("Savings Plan `sp-1` ($35.00/hour, 1-year term) retires tomorrow, renew it?", "$35/hour", 1, 35 * 8760),
        ("three-year RI commitment at $2,000/month", "$2,000/month", 3, 2000 * 12 * 3),
        ("Reserved Instances, no term given: $10/hr", "$10/hour", 1, 10 * 8760),
        ("reservation in westeurope: €3.50/hour for 3 years", "€3.50/hour", 3, 3.5 * 1.16 * 8760 * 3),
        # In the other configured languages, the currency after the figure.
        ("Compromiso de 3 años a 12 $/hora: ¿lo compramos ya?", "$12/hour", 3, 12 * 8760 * 3),
        ("Nos engagements de 3 ans à 12 $/heure expirent : qui les renouvelle ?", "$12/hour", 3, 12 * 8760 * 3),
        ("O compromisso de 1 ano a 5 US$/hora vence amanhã. Quem renova?", "$5/hour", 1, 5 * 8760),
        ("Unsere Zusage über 3 Jahre zu 12 $/Stunde: wer kauft sie?", "$12/hour", 3, 12 * 8760 * 3),
    ],
)
def test_commitment_rates_count_as_their_total_and_are_shown_as_stated(text, stated, years, total):
    found = headline(text)
    assert found.stated() == stated
    assert found.term_years == years
    assert found.escalation_usd == pytest.approx(total, rel=1e-6)
    assert found.usd == pytest.approx(found.amount * DEFAULT_RATES[found.currency])


@pytest.mark.parametrize(
    "text",
    [
        "Savings Plan `sp-1` ($35.00/hour, 1-year term) retires tomorrow",
        ":hourglass: Savings Plan sp-0a1 (Compute, $64.00/hour, 3-year) retires in 1 day.",
        "RI reservation at $2,000/month (3 years) expires on 2026-03-01",
    ],
)
def test_an_expiry_notice_escalates_as_its_rate_not_its_total(text):
    # The commitment ends; nobody is about to spend its total, so leadership is not paged for it.
    found = headline(text)
    assert found.per in ("hour", "month")
    assert found.total_usd is None and found.escalation_usd == found.usd


def test_a_rate_that_is_not_a_commitment_stays_as_stated():
    found = headline("Kubecost: `search` $912.30/day vs baseline $301.00/day")
    assert (found.stated(), found.per, found.total_usd, found.escalation_usd) == ("$912.30/day", "day", None, 912.3)
    assert headline("roughly $2.1k/mo for the new cluster").escalation_usd == 2100


# Found by a new user's trial: a unit price headed the message, and other languages' million words were not read.
@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("data transfer at $0.09/GB cost us $14,300 in November, who owns egress?", "$14,300"),
        ("the NAT gateway costs $0.045/GB processed and we paid $8,200 last month for it", "$8,200"),
        ("Lambda at $0.20 per 1M requests cost us $3,100 this week", "$3,100"),
        ("egress at 0,09 €/GB kostet uns 14.300 € im November", "€14,300"),
        # Alone, a unit price is the figure stated, with its unit and its fractions of a cent.
        ("S3 Standard is $0.023 per GB-month in us-east-1", "$0.023/GB-month"),
        ("the NAT gateway costs $0.045/GB processed", "$0.045/GB"),
        ("the FinOps tool is $12 per user", "$12/user"),
    ],
)
def test_a_unit_price_heads_a_message_only_when_no_spend_is_stated(text, stated):
    assert headline(text).stated() == stated


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Die AWS-Kosten sind um 1,2 Mio € gestiegen, wer prüft das?", 1_200_000),
        ("Die AWS-Kosten sind um 1,2 Mio. € gestiegen", 1_200_000),
        ("Das sind 1,2 Millionen Euro mehr als geplant", 1_200_000),
        ("ein Vertrag über EUR 2 Mrd", 2_000_000_000),
        ("Los costes de AWS subieron 1,2 millones de euros", 1_200_000),
        ("Les coûts AWS ont augmenté de 1,2 million d'euros", 1_200_000),
        ("un engagement de 2 milliards d'euros", 2_000_000_000),
        ("Os custos da AWS subiram 1,2 milhões de euros", 1_200_000),
    ],
)
def test_millions_and_billions_are_read_in_other_languages(text, amount):
    found = headline(text)
    assert (found.amount, found.currency) == (amount, "EUR")


@pytest.mark.parametrize(
    "text",
    [
        # A lower-case "us$" after a figure: IGNORECASE matched it, then the symbol table had only "US$".
        "o compromisso de 1 ano a 5 us$/hora vence amanhã. quem renova?",
        "o savings plan de 3 anos a 20 us$/hora foi aprovado. quem faz a compra no console?",
    ],
)
def test_a_lower_case_symbol_after_a_figure_is_no_error(text):
    headline(text)  # raised KeyError: 'us$' once a scale word could open the figure-first scan


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        # A second new-user trial: the budget was read as the spend when "spent" stood after the figure.
        ("GCP budget: $1,200,000 spent of $1,000,000 budget", 1_200_000, "USD"),
        ("GCP budget: ¥1,200,000 spent of ¥1,000,000 budget", 1_200_000, "JPY"),
        ("spent $45,000 of $40,000 budget", 45_000, "USD"),
        ("$3,050.00 of $3,000.00 budget used", 3_050, "USD"),
    ],
)
def test_a_part_spent_of_a_whole_is_the_spend_whichever_side_its_verb_stands(text, amount, currency):
    money = headline(text)
    assert money is not None and (money.amount, money.currency) == (amount, currency)


def test_every_currency_with_a_built_in_rate_is_read_by_its_code_in_text():
    from bot.config.currencies import DEFAULT_RATES

    for code in DEFAULT_RATES:
        for text in (f"AWS spend anomaly {code} 5,000", f"AWS spend anomaly 5,000 {code}"):
            money = headline(text)
            assert money is not None and (money.amount, money.currency) == (5000, code), text
