from bot.routing.fingerprint import alert_fingerprint

BUDGET = "AWS Budgets: {name} has exceeded your alert threshold. Account {account}. ACTUAL Amount: ${amount}"


def test_repeats_of_one_alert_share_a_fingerprint_whatever_the_amount():
    first = alert_fingerprint("B1", BUDGET.format(name="data-platform", account="123456789012", amount="41,236.55"))
    again = alert_fingerprint("B1", BUDGET.format(name="data-platform", account="123456789012", amount="43,001.10"))
    assert first == again


def test_other_account_budget_or_source_is_another_alert():
    base = alert_fingerprint("B1", BUDGET.format(name="data-platform", account="123456789012", amount="1"))
    assert base != alert_fingerprint("B1", BUDGET.format(name="data-platform", account="210987654321", amount="1"))
    assert base != alert_fingerprint("B1", BUDGET.format(name="web-platform", account="123456789012", amount="1"))
    assert base != alert_fingerprint("B2", BUDGET.format(name="data-platform", account="123456789012", amount="1"))


def test_without_identifiers_the_text_minus_numbers_identifies_it():
    assert alert_fingerprint("B1", "spend up 40% today: $900") == alert_fingerprint("B1", "spend up 55% today: $1,200")
    assert alert_fingerprint("B1", "spend up 40% today") != alert_fingerprint("B1", "storage up 40% today")
