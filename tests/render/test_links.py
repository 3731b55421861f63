"""Links to a request's Slack message, before and after Slack gave the message its ts."""

from __future__ import annotations

from bot.render.blocks import archive_link, thread_link
from bot.render.replies import render_repeat_notice, repeat_amounts


def test_a_message_links_to_its_archive_url() -> None:
    assert archive_link("C1", "1714564800.000100") == "https://slack.com/archives/C1/p1714564800000100"


def test_an_alert_not_posted_yet_links_to_its_channel_not_to_a_broken_message_url() -> None:
    # A receiver's repeat can arrive while the first post still waits in the outbox (a
    # paced burst, Slack down): there is no ts yet, and ".../archives/C1/p" opens nothing.
    assert archive_link("C1", "") == "https://slack.com/archives/C1"
    assert thread_link("C1", "alert.8e367ab4", None) == "https://slack.com/archives/C1"
    notice = render_repeat_notice(archive_link("C1", ""), 1)
    assert "/archives/C1/p|" not in str(notice) and "<https://slack.com/archives/C1|" in notice["text"]


def test_a_repeat_names_its_amount_only_when_it_differs_from_the_first() -> None:
    assert repeat_amounts(2350.0, "$2,350.00", 2100.0) == ("$2,350.00", "$2,100")
    assert repeat_amounts(2100.4, "$2,100.40", 2100.0) == (None, None)  # within half a percent: the same
    assert repeat_amounts(None, None, 2100.0) == (None, None)
    assert repeat_amounts(950.0, "€950", None) == ("€950", None)
    notice = render_repeat_notice("https://slack.com/archives/C1/p1", 2, "€950 <!here>", None)
    assert notice["text"].startswith(":repeat: Same alert as before (repeat #2), now *€950 &lt;!here&gt;*;")


def test_quoted_text_loses_bidi_controls_that_could_reorder_a_line() -> None:
    from bot.render.blocks import escape
    from bot.render.text import quote

    spoofed = "refund \u202egnp.exe\u202c of $10 \u2066ok\u2069"
    assert escape(spoofed) == "refund gnp.exe of $10 ok"
    assert quote("<b>\u202eevil</b>") == "&lt;b&gt;evil&lt;/b&gt;"
    assert escape("مرحبا \u200fhello") == "مرحبا \u200fhello"  # a plain direction mark reorders nothing: kept
