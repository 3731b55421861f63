from bot.routing.matcher import NEW_WORDS_PER_MESSAGE, TYPO_WORK_PER_MESSAGE, TermIndex, split_boost, split_term
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


def test_snowball_stemming_joins_verb_and_noun_forms():
    for group in (
        ("allocated", "allocation", "allocating", "allocate", "allocations"),
        ("negotiated", "negotiation", "negotiating", "negotiate"),
        ("estimated", "estimate", "estimates", "estimating"),
        ("capitalised", "capitalized", "capitalisation", "capitalization"),
        ("utilisation", "utilization", "utilized"),
        ("anomaly", "anomalies", "anomalous"),
    ):
        assert len({stem(word) for word in group}) == 1, group
    index = TermIndex({"allocation": ["allocation"], "renewals": ["negotiation"]})
    assert [h.term.text for h in index.match("who allocated it? we negotiated last year")] == [
        "allocation",
        "negotiation",
    ]


def test_exceptions_keep_different_senses_apart():
    for left, right in (
        ("commitment", "commit"),
        ("executive", "execute"),
        ("production", "product"),
        ("project", "projection"),
        ("renewable", "renew"),
        ("actually", "actuals"),
        ("payment", "pay"),
    ):
        assert stem(left) != stem(right), (left, right)


def test_words_of_other_languages_use_their_own_stemmer():
    spanish = TermIndex({"budgets": ["presupuesto"]}, language="es")
    assert [h.term.text for h in spanish.match("los presupuestos de AWS")] == ["presupuesto"]
    assert spanish.terms[("presupuest",)].ident == ("@es", "presupuest")
    german = TermIndex({"invoices": ["Rechnung"]}, language="de")
    assert [h.term.text for h in german.match("die Rechnungen für Oktober")] == ["Rechnung"]


def test_two_typos_are_corrected_in_long_words_only():
    index = TermIndex({"rightsizing": ["overprovisioned"], "recs": ["recommendation"], "tags": ["tagging"]})
    for typo in ("overprovisoned", "overprovsioned", "ovreprovisioned", "overrprovisoned"):
        hits = index.match(f"the cluster is {typo}")
        assert [h.term.text for h in hits] == ["overprovisioned"] and hits[0].typo, typo
    assert [h.term.text for h in index.match("the recomendaton for next year")] == ["recommendation"]
    # Two edits in a word of fewer than ten letters is a different word.
    assert index.match("taxing") == []
    assert index.match("tagged") != []  # an inflection, not a typo


def test_a_typo_equally_close_to_two_terms_is_not_corrected():
    index = TermIndex({"a": ["reservation"], "b": ["preservation"]})
    assert index.match("we need a reservetion") != []
    ambiguous = TermIndex({"a": ["contracted"], "b": ["contrasted"]})
    assert ambiguous.match("contrafted") == []


def test_duration_and_number_tokens_never_become_terms():
    index = TermIndex({"security": ["DDoS", "hijacked"], "durations": ["days"], "ha": ["HA"]})
    for text in ("spend up over the last 3d", "in 2h", "since 7d ago", "48h window", "a 24x7 job", "1w 2d 3h"):
        assert index.match(text) == [], text
    assert [h.term.text for h in index.match("3 days")] == ["days"]


def test_chat_shorthand_expands_to_the_word_on_both_sides():
    index = TermIndex(
        {"invoices": ["bill"], "anomalies": ["tripled"], "time": ["last week"], "ctx": ["production"]},
        shorthand={"bil": "bill", "lst": "last", "wk": "week", "prod": "production"},
    )
    hits = [h.term.text for h in index.match("pls chk y r rds bil trippled lst wk in prod")]
    assert hits == ["bill", "tripled", "last week", "production"]
    assert index.match("the bilge pump") == []


def test_typo_correction_work_is_bounded_per_token_and_per_message():
    index = TermIndex({"forecasting": ["forecast", "overprovisioned"], "anomalies": ["anomaly"]})
    # One enormous word: not stemmed, not corrected, nothing looked up.
    before = index.typo_lookups
    assert index.match("a" * 40_000) == []
    assert index.typo_lookups == before
    # Thousands of different long unknown words: the look-ups stop at the budget.
    import random
    import string

    rng = random.Random(5)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(9, 24))) for _ in range(3000)]
    before = index.typo_lookups
    index.match(" ".join(words))
    assert 0 < index.typo_lookups - before <= TYPO_WORK_PER_MESSAGE + 2 * 301
    # A later, ordinary message still gets its typos corrected.
    assert [h.term.text for h in index.match("the forcast for march")] == ["forecast"]


def test_new_words_per_message_are_bounded():
    index = TermIndex({"anomalies": ["anomaly"]})
    text = " ".join(f"w{i}x" for i in range(NEW_WORDS_PER_MESSAGE * 3)) + " anomalies"
    hits = index.match(text)
    # Past the budget words are only lower-cased: the plural is not stemmed...
    assert hits == []
    # ...but nothing was cached wrongly: on its own the word still matches.
    assert [h.term.text for h in index.match("anomalies")] == ["anomaly"]


def test_a_clause_final_separable_prefix_is_joined_to_its_clause_verb():
    german = TermIndex(
        {"commitment-expiry": ["ablaufen", "abläuft"], "idle": ["abschaltet"]},
        language="de",
        separable_prefixes=["ab", "aus"],
    )
    tokens = german.tokens("die RIs laufen im Januar ab wer schaltet die Server ab")
    hits = german.separable_hits(tokens, [6, 11])
    assert [(h.term.text, tokens[h.position]) for h in hits] == [("ablaufen", "laufen"), ("abschaltet", "schaltet")]
    # Only a prefix that ends its clause, and never onto a capitalised noun inside the clause.
    assert german.separable_hits(german.tokens("wir laufen ab und zu im Park"), [7]) == []
    assert german.separable_hits(german.tokens("die Laufen ab"), [3]) == []
    # Without configured prefixes nothing is joined.
    assert TermIndex({"x": ["ablaufen"]}, language="de").separable_hits(tokens, [6, 11]) == []
