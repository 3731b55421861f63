from bot.routing.slack_text import MAX_TEXT_CHARS, clean_mrkdwn, message_text


def test_text_attachments_and_blocks_are_all_read():
    message = {
        "text": "alert",
        "attachments": [
            {
                "pretext": "pre",
                "title": "Budget exceeded",
                "text": "body",
                "fields": [{"title": "Total impact", "value": "$5"}],
            }
        ],
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Header words"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "section text"},
                "fields": [{"type": "mrkdwn", "text": "field text"}],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "context words"}]},
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "rich words"},
                            {"type": "link", "url": "https://billing.example.com/budgets", "text": "link label"},
                            {"type": "user", "user_id": "U123"},
                        ],
                    }
                ],
            },
        ],
    }
    text = message_text(message)
    for expected in (
        "alert",
        "pre",
        "Budget exceeded",
        "body",
        "Total impact",
        "$5",
        "Header words",
        "section text",
        "field text",
        "context words",
        "rich words",
        "link label",
    ):
        assert expected in text
    assert "billing.example.com" not in text


def test_fallback_is_not_doubled_when_it_repeats_the_attachment():
    attachment = {"title": "Anomaly | Account 1", "text": "Total impact: $5", "fallback": "Anomaly | Total impact: $5"}
    assert message_text({"attachments": [attachment]}).count("Total impact") == 1


def test_fallback_is_kept_when_it_is_the_only_content():
    assert "Budget alert" in message_text({"attachments": [{"fallback": "Budget alert"}]})


def test_slack_markup_is_removed_and_entities_unescaped():
    text = clean_mrkdwn(
        "<@U123ABC> <!channel> <!subteam^S1|@finops> see <#C123|cost-alerts> "
        "<https://console.aws.amazon.com/billing/home|the budget page> &gt; $5 &amp; more "
        "<https://example.com/anomaly> https://example.com/budgets/savings-plans"
    )
    assert "U123ABC" not in text and "channel" not in text and "finops" not in text
    assert "cost-alerts" not in text
    assert "the budget page" in text
    assert "> $5 & more" in text
    assert "anomaly" not in text and "savings-plans" not in text


def test_junk_shapes_are_ignored_without_error():
    assert message_text({"text": None, "attachments": [1, None, "x", [2]], "blocks": [None, 5, {"text": 7}]}) == ""
    assert message_text([1, 2, 3]) == ""  # type: ignore[arg-type]


def test_deeply_nested_blocks_are_guarded():
    node: dict = {"type": "text", "text": "deep"}
    for _ in range(5000):
        node = {"type": "rich_text_section", "elements": [node]}
    assert message_text({"text": "top", "blocks": [node]}).strip() == "top"


def test_huge_text_is_capped():
    text = message_text({"text": "cost " * 100_000})
    assert len(text) <= MAX_TEXT_CHARS


def test_full_width_ascii_forms_read_as_ascii():
    # U+FF01-FF5E (NFKC's ASCII forms) only; other characters keep their form.
    assert clean_mrkdwn("ＡＷＳ ｂｕｄｇｅｔ exceeded ＄５，０００") == "AWS budget exceeded $5,000"
    assert clean_mrkdwn("café 予算 ５％") == "café 予算 5%"
    assert clean_mrkdwn("plain ascii") == "plain ascii"
