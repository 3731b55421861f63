from bot.routing.fingerprint import alert_fingerprint
from bot.routing.sources import read_alert

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


def test_anomalies_of_one_account_in_two_services_are_two_alerts():
    # A second new-user trial: an RDS anomaly after an EC2 one in the same account was a "repeat".
    anomaly = "AWS Cost Anomaly Detection: total impact ${} in account 111122223333, service Amazon {}"
    ec2, rds, ec2_again = anomaly.format("1,200", "EC2"), anomaly.format("700", "RDS"), anomaly.format("900", "EC2")
    assert alert_fingerprint("B1", ec2) != alert_fingerprint("B1", rds)
    assert alert_fingerprint("B1", ec2) == alert_fingerprint("B1", ec2_again)
    console = "Cost Anomaly Detected\nAccount: 111122223333\nService: Amazon EC2\nTotal impact: $1,200"
    assert "Amazon EC2" in [i.value for i in read_alert(console).identifiers]
