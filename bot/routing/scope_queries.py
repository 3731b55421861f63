"""`who-owns account 111122223333`, `who-owns namespace prod-eu/search`: a person naming a scope.

Parsing the query and answering it with the team ``owners.yaml`` gives; the
CLI and the `/finops who-owns` command both ask here before looking for a topic.

A query opening with a word for a scope owners.yaml lists by id or name
(account, project, subscription, resource group, cluster, namespace) and one
name after it is always a scope lookup, owned or not: "namespace payments" is
not the invoices topic because "payments" is a billing word. The exceptions:
a query that is word for word a topic's id, name, alias or term ("namespace
cost", "account hierarchy"), which stays that topic's, and a plain word after
"account" or "subscription", whose ids are numbers and GUIDs, never words
("account management" asks about a topic). After "aws", "sub",
"tag", "label", "budget" and "name", which open everyday topic queries too
("aws credits", "budget variance"), only an id-shaped value or an owned name
is a scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config.owners_checks import scope_problem
from bot.domain.suggestions import closest
from bot.routing.owners import KIND_FIELDS, SCOPE_WORDS, OwnerMatch, OwnerResolver
from bot.routing.who_owns import TopicLookup

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class ScopeQuery:
    kind: (
        str  # an identifier kind: account, project, subscription, resource_group, cluster, namespace, tag, budget, name
    )
    value: str
    # Typed after a word that always means a scope ("namespace", not "budget"): answered as one, owned or not.
    by_scope_word: bool = False

    @property
    def label(self) -> str:
        return f"{SCOPE_WORDS.get(self.kind, self.kind)} {self.value}"

    @property
    def id_like(self) -> bool:
        """An id rather than a word: "payments-prod", "prod-eu/api", "team=x", "111122223333"."""
        return self.kind in ("account", "subscription", "tag") or any(ch in self.value for ch in "-_/=.0123456789")


_QUERY_KINDS = {
    "account": "account",
    "aws account": "account",
    "aws": "account",
    "project": "project",
    "gcp project": "project",
    "subscription": "subscription",
    "azure subscription": "subscription",
    "sub": "subscription",
    "resource group": "resource_group",
    "resource-group": "resource_group",
    "rg": "resource_group",
    "cluster": "cluster",
    "namespace": "namespace",
    "ns": "namespace",
    "tag": "tag",
    "label": "tag",
    "budget": "budget",
    "name": "name",
}
_SCOPE_WORDS_ALWAYS = frozenset(
    {
        "account",
        "aws account",
        "project",
        "gcp project",
        "subscription",
        "azure subscription",
        "resource group",
        "resource-group",
        "rg",
        "cluster",
        "namespace",
        "ns",
    }
)
_QUERY = re.compile(
    r"^\s*(?P<kind>"
    + "|".join(sorted(map(re.escape, _QUERY_KINDS), key=len, reverse=True))
    + r")\s*[:#]?\s+(?P<value>\S.*?)\s*$",
    re.IGNORECASE,
)
_BARE_ACCOUNT = re.compile(r"^\s*(\d{12}|\d{4}-\d{4}-\d{4})\s*$")
_BARE_GUID = re.compile(r"^\s*([0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})\s*$")
_BARE_TAG = re.compile(r"^\s*([\w.:/@+-]+=[\w.:/@+-]+)\s*$")
_DIGITS = re.compile(r"^[\d-]+$")


def parse_scope_query(query: str) -> ScopeQuery | None:
    """``account 111122223333``, ``project payments-prod``, ``namespace prod-eu/search``,
    ``tag team=payments``, or a bare account id, subscription GUID or key=value."""
    text = query.strip().strip("`*_")
    for bare, kind in ((_BARE_ACCOUNT, "account"), (_BARE_GUID, "subscription"), (_BARE_TAG, "tag")):
        found = bare.match(text)
        if found:
            value = found.group(1)
            return ScopeQuery(kind, value.replace("-", "") if kind == "account" else value)
    found = _QUERY.match(text)
    if not found:
        return None
    word = " ".join(found.group("kind").lower().split())
    kind = _QUERY_KINDS[word]
    by_scope_word = word in _SCOPE_WORDS_ALWAYS
    value = found.group("value").strip("`*_\"'")
    if " " in value and kind != "tag":
        return None  # "project x y", "account management team": a phrase, not one name
    if kind in ("account", "subscription") and value.isalpha():
        # Account and subscription ids are numbers and GUIDs, never a word: "account management" and
        # "subscription renewals" ask about a topic. "account payments-prod" is a scope, mistyped.
        return None
    if kind == "account":
        if _BARE_ACCOUNT.match(value):
            value = value.replace("-", "")
        elif not by_scope_word and not _DIGITS.match(value):
            return None  # "aws credits": words; "aws 12345" is a mistyped account id
    elif kind == "tag" and "=" not in value and ":" in value:
        key, _, tag_value = value.partition(":")
        value = f"{key}={tag_value}"
    elif kind == "tag" and "=" not in value:
        return None
    return ScopeQuery(kind, value, by_scope_word)


_COMMAND_PREFIX = re.compile(r"^\s*/?(?:finops\s+)?who[\s-]*owns\b[\s:]*", re.IGNORECASE)


@dataclass(frozen=True)
class ScopeAnswer:
    """``who-owns account 111122223333``: the scope asked about and the team owning it (or None)."""

    query: ScopeQuery
    match: OwnerMatch | None
    # Unowned only: why the value cannot be such a scope ("AWS account ids have 12 digits..."),
    # and owned names of the same kind close to it ("prod-eu/payments" for "payments").
    problem: str | None = None
    suggestions: tuple[str, ...] = ()

    def unowned_lines(self) -> list[str]:
        """The answer when no team owns the scope, as plain text (Slack escapes it)."""
        if self.problem:  # not an id of its kind at all: owning it is beside the point
            lines = [self.problem]
        else:
            lines = [
                f"No team owns {self.query.label} in owners.yaml: alerts about it tag the topic's persona channel."
            ]
        if self.suggestions:
            word = SCOPE_WORDS.get(self.query.kind, self.query.kind)
            lines.append("Did you mean " + " or ".join(f"'{word} {name}'" for name in self.suggestions) + "?")
        return lines

    def to_dict(self) -> dict[str, object]:
        return {
            "query": self.query.label,
            "scope": {"kind": self.query.kind, "value": self.query.value},
            "team": self.match.to_dict() if self.match else None,
            "problem": self.problem,
            "suggestions": list(self.suggestions),
        }


def answer_scope(resolver: OwnerResolver, query: str, topics: TopicLookup | None) -> ScopeAnswer | None:
    """The answer when ``query`` names a scope (an account id, ``namespace payments``...), else None
    (a topic query). ``topics``: the topics whose exact wording stays a topic ("namespace cost").

    After "project", "namespace"... one name is a scope, owned or not (see the module's
    docstring); after "budget", "tag"... only one that looks like an identifier or a team owns.
    """
    text = _COMMAND_PREFIX.sub("", query or "")
    parsed = parse_scope_query(text)
    if parsed is None or (topics is not None and topics.names_a_topic(text)):
        return None
    match = resolver.lookup(parsed.kind, parsed.value)
    if match is not None:
        return ScopeAnswer(parsed, match)
    if not parsed.id_like and not parsed.by_scope_word:
        return None
    problem = form_problem(parsed)
    return ScopeAnswer(parsed, None, problem, owned_like(parsed.value, resolver.owned(parsed.kind)))


# The forms of ids a kind has a fixed form for, as owners.yaml's check accepts them.
_FORMS = {
    "account": (
        "AWS account ids have 12 digits, e.g. 111122223333. For other clouds ask for a GCP project by id "
        "or number (`project payments-prod`) or an Azure subscription by GUID "
        "(`subscription 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`)."
    ),
    "project": (
        "GCP project ids are 6-30 lowercase letters, digits and '-', starting with a letter "
        "(e.g. payments-prod), or a project number of 6-20 digits."
    ),
    "subscription": "Azure subscription ids are GUIDs, e.g. 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.",
    "namespace": "Kubernetes namespaces are lowercase letters, digits and '-', as 'namespace' or 'cluster/namespace'.",
}


def form_problem(query: ScopeQuery) -> str | None:
    """Why ``query.value`` cannot be an id of its kind, or None (it could, or the kind has no fixed form)."""
    field = KIND_FIELDS.get(query.kind)
    form = _FORMS.get(query.kind)
    if field is None or form is None or scope_problem(field, query.value) is None:
        return None
    if query.kind == "account" and _DIGITS.match(query.value):
        digits = sum(ch.isdigit() for ch in query.value)
        return f"{query.value} has {digits} digit{'s' if digits != 1 else ''}: {form}"
    word = SCOPE_WORDS.get(query.kind, query.kind)
    return f"{query.value} cannot be {'an' if word[0] in 'aeiou' else 'a'} {word} id: {form}"


def owned_like(value: str, owned: tuple[str, ...]) -> tuple[str, ...]:
    """Owned names a person most likely meant by ``value``: those whose last path segment it is
    ("payments" -> "prod-eu/payments", a namespace in its cluster), else the closest spelling."""
    folded = value.casefold()
    same_last = tuple(name for name in owned if name.rpartition("/")[2].casefold() == folded)
    if same_last:
        return same_last[:MAX_SUGGESTIONS]
    by_last = {name.rpartition("/")[2]: name for name in reversed(owned)}
    near = closest(value, [*owned, *by_last])
    return (by_last.get(near, near),) if near else ()
