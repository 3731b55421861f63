from bot.routing.matcher import TermIndex, split_boost, split_term
from bot.routing.normalize import fold, stem

INDEX = TermIndex(
    {
        "anomalies": ["anomaly", "cost anomaly detected"],
        "renewals": ["renewal", "contract renewal"],
        "commitments": ["RI", "SP", "savings plan", "forecast"],
        "budgets": ["budget^2", "exceeded your alert threshold"],
    }
)


def matched(text: str) -> list[str]:
    return [hit.term.text for hit in INDEX.match(text)]


def test_inflections_meet_at_one_stem():
    assert stem("anomaly") == stem("anomalies") == stem("anomalous")
    assert stem("renew") == stem("renewal") == stem("renewing") == stem("renewed")
    assert matched("two anomalous days, more anomalies") == ["anomaly", "anomaly"]
    assert matched("renewing the contract") == ["renewal"]


def test_case_unicode_and_accents_fold():
    assert fold("ÁNOMALY") == "anomaly"
    assert matched("ＡＮＯＭＡＬＹ") == ["anomaly"]
    assert matched("BUDGET") == ["budget"]


def test_phrases_win_over_their_first_word():
    assert matched("a contract renewal is due") == ["contract renewal"]
    assert matched("Cost anomaly detected in prod") == ["cost anomaly detected"]
    assert matched("has exceeded your alert threshold") == ["exceeded your alert threshold"]


def test_words_match_on_boundaries_only():
    assert matched("budgetary") == []  # stem "budgetary" is not "budget"
    assert matched("sprint planning") == []


def test_short_capital_abbreviations_are_case_sensitive():
    assert matched("who owns the RIs and SP coverage") == ["RI", "SP"]
    assert matched("ri sp") == []


def test_typos_in_long_words_are_tolerated_and_marked():
    hits = INDEX.match("forcast for next month")
    assert [h.term.text for h in hits] == ["forecast"]
    assert hits[0].typo
    assert matched("anomaly") == ["anomaly"] and not INDEX.match("anomaly")[0].typo


def test_common_words_are_not_corrected_into_terms():
    index = TermIndex({"contracts": ["contract"]})
    assert index.match("please contact me") == []


def test_boost_syntax():
    assert split_boost("budget^2") == ("budget", 2.0)
    assert split_boost("a^b") == ("a^b", 1.0)
    assert INDEX.terms[("budget",)].boosts == (2.0,)


def test_decisive_marker_is_stripped_from_the_term_text():
    assert split_term("showback!^2") == ("showback", 2.0, True)
    assert split_term("glacier!") == ("glacier", 1.0, True)
    assert split_term("budget") == ("budget", 1.0, False)
    assert split_boost("glacier!^1.5") == ("glacier", 1.5)
    index = TermIndex({"storage": ["glacier!"]})
    assert [h.term.text for h in index.match("move it to Glacier")] == ["glacier"]


def test_camel_case_json_keys_read_as_words():
    index = TermIndex({"anomalies": ["total impact"]})
    assert [h.term.text for h in index.match('"totalImpact": 5')] == ["total impact"]


def test_software_identifiers_are_names_not_topic_words():
    index = TermIndex({"invoices": ["invoice"], "tags": ["cost center"]})
    assert index.match("release train for invoices-ui 2.8, billing_svc_v2 and InvoiceController") == []
    assert [hit.term.text for hit in index.match("cost-center tag on the invoice")] == ["cost center", "invoice"]


def test_pay_and_payment_are_different_words():
    assert stem("payment") != stem("pay")
    assert stem("payments") == stem("payment")
