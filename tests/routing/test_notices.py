"""Notices that need nobody tag nobody, whatever topic words they carry, unless
they also ask something."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        # Closed, recovered or back to normal.
        "[Recovered] AWS EC2 cost up 38% day over day: back within range for service:ec2",
        "Resolved: the S3 cost anomaly from Monday was the planned migration.",
        "The RDS spend spike was a false positive, already marked as expected. No action.",
        "Azure budget alert cleared, spend back below threshold for rg-data",
        # A routine status that crossed no line.
        "Monthly budget status: you have used 40% of your budget for the AWS prod account.",
        "GCP billing: project analytics-prod has spent 62.5% of the monthly budget so far",
        '{"budgetDisplayName": "prod", "costAmount": 4120.0, "budgetAmount": 10000, "currencyCode": "USD"}',
        "Weekly cost report: spend is flat week over week, nothing to flag",
        "Daily AWS cost summary: $4,210 yesterday, in line with forecast",
        "The November invoice from AWS has been paid",
        "GCP billing report for October is attached",
        # News, not a request.
        "new blog post: how we cut our AWS bill by 30%, give it a read",
        "the Savings Plan purchase script merged, nice work everyone",
        "we're hiring a FinOps analyst to own our AWS cost reports, share with friends",
        # An everyday purchase.
        "the invoice for the catering arrived, forwarding it to the office manager",
    ],
)
def test_a_notice_that_needs_nobody_tags_nobody(router, text):
    decision = router.route_text(text)
    assert not decision.is_request and decision.personas == (), decision.explanation


@pytest.mark.parametrize(
    "text",
    [
        "Resolved the RI issue, but the NAT gateway costs doubled since. who can look?",
        "you have used 95% of your AWS budget and it's the 10th, can finance check?",
        "AWS Budgets: prod has exceeded your alert threshold: 85% of your budget",
        "Azure budget prod-web has reached 50% of the budget for this billing period",
        '{"budgetDisplayName": "prod", "alertThresholdExceeded": 1.0, "costAmount": 10234.0, "budgetAmount": 10000}',
        "the invoice for our AWS catering-app account is wrong, the EC2 line is doubled",
        "Daily AWS cost summary: $9,800 yesterday, 40% above forecast",
    ],
)
def test_a_notice_that_asks_or_crossed_a_line_is_routed(router, text):
    assert router.route_text(text).is_request
