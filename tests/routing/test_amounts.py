import pytest

from bot.routing.amounts import headline_usd


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
    ],
)
def test_headline_amount(text, amount):
    assert headline_usd(text) == pytest.approx(amount)


@pytest.mark.parametrize(
    "text",
    [
        "EUR 4,000 over budget",
        "€1.200 spent",
        "¥1,840,000 this month",
        "A$5,000 in Sydney",
        "storage grew to 5,000 GB-Mo",
        "utilization dropped 20%",
        '{"costAmount": 1402.18, "currencyCode": "EUR"}',
        "Current Spend: 1840000 Currency Type: JPY",
        "",
    ],
)
def test_no_usd_amount(text):
    assert headline_usd(text) is None
