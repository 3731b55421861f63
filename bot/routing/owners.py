"""Who owns an alert's scope: accounts, projects, subscriptions, namespaces... -> a team.

Pure: ``owners.yaml``'s teams in, a team (or nobody) out. Precedence:

1. exact ids, the most specific first: a namespace in its cluster, a resource
   group or a namespace, then an account, project or subscription, then a
   cluster;
2. cost-allocation tags and labels (``team=payments``);
3. budget names;
4. name patterns (globs), the one with the most literal characters first;
5. the account that owns the monitor or budget when the alert names apart
   where the spend happened (an AWS anomaly's ``accountId`` beside its root
   causes' linked accounts): in an AWS Organization that is the management
   account, whose team would otherwise own every member's anomaly.

Within a level the identifier stated first wins. A team limited to some
personas (``personas: [engineering]``) owns only decisions that tag one of
them; otherwise the next candidate is tried, and with none the persona's own
channel is tagged as before.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.config.models import OwnersFile, Team
from bot.config.owners_checks import scope_key
from bot.routing.sources import NAME_KINDS, AlertFacts, Identifier, read_alert

# Owners.yaml scope field -> identifier kind read from alerts.
FIELD_KINDS = {
    "aws_accounts": "account",
    "gcp_projects": "project",
    "azure_subscriptions": "subscription",
    "azure_resource_groups": "resource_group",
    "kubernetes_clusters": "cluster",
    "kubernetes_namespaces": "namespace",
}
KIND_FIELDS = {kind: field for field, kind in FIELD_KINDS.items()}
# Specificity of exact ids (higher first).
_EXACT_ORDER = {
    "namespace@cluster": 6,
    "resource_group": 5,
    "namespace": 5,
    "account": 4,
    "project": 4,
    "subscription": 4,
}
_EXACT_ORDER["cluster"] = 3
_LEVEL_NAMES = {0: "id", 1: "tag", 2: "budget", 3: "name"}
_SCOPE_KEYWORDS = ("namespace", "cluster", "project")
# A name with no digit or hyphen, which a loose alert-source pattern skips.
_PLAIN_NAME = re.compile(r"[a-z_][a-z_.]*")


@dataclass(frozen=True)
class OwnerMatch:
    team: Team
    scope: str  # what matched, as a person reads it: "account 111122223333", "tag team=payments"
    level: str  # "id", "tag", "budget" or "name"

    @property
    def team_id(self) -> str:
        return self.team.id

    def describe(self) -> str:
        return f"{self.scope} → {self.team.id}"

    def to_dict(self) -> dict[str, object]:
        slack = self.team.slack
        return {
            "id": self.team.id,
            "name": self.team.name or self.team.id,
            "scope": self.scope,
            "matched_by": self.level,
            "channel": slack.channel,
            "usergroup": slack.usergroup,
            "people": list(slack.people),
            "personas": list(self.team.personas),
        }


class OwnerResolver:
    """Built once per configuration; ``resolve`` is safe to call from many threads."""

    def __init__(self, owners: OwnersFile) -> None:
        self.teams = owners.teams
        self._exact: dict[tuple[str, str], Team] = {}
        self._tags: dict[str, Team] = {}
        self._budgets: dict[str, Team] = {}
        self._globs: list[tuple[str, int, Team]] = []
        tag_keys: set[str] = set()
        for team in owners.teams:
            scopes = team.scopes
            for field, kind in FIELD_KINDS.items():
                for value in getattr(scopes, field):
                    self._exact[(kind, scope_key(field, value))] = team
            for tag in scopes.tags:
                key = scope_key("tags", tag)
                self._tags[key] = team
                tag_keys.add(key.partition("=")[0])
            for budget in scopes.budgets:
                self._budgets[scope_key("budgets", budget)] = team
            for glob in scopes.names:
                literal = sum(1 for ch in glob if ch not in "*?[]")
                self._globs.append((glob.casefold(), literal, team))
        self._globs.sort(key=lambda item: -item[1])
        # Every glob in one regex, in precedence order: the first alternative
        # that matches the whole value is the first glob that would, found in
        # one C-level match instead of one fnmatch call per team's glob.
        self._any_glob = (
            re.compile("|".join(f"({fnmatch.translate(glob)})" for glob, _, _ in self._globs)) if self._globs else None
        )
        self._tag_keys = tuple(sorted(tag_keys))
        # Owned projects, clusters and namespaces named by a plain word
        # ("search"): the alert sources read a plain word after "namespace" as
        # no identifier ("cluster cost" is not a cluster), so these are looked
        # for where the text writes the scope word right before the name.
        plain = sorted(
            {value for (kind, value) in self._exact if kind in _SCOPE_KEYWORDS and _PLAIN_NAME.fullmatch(value)},
            key=len,
            reverse=True,
        )
        self._named_re = (
            re.compile(
                r"(?<![\w-])("
                + "|".join(_SCOPE_KEYWORDS)
                + r")[\s:=#]{1,3}("
                + "|".join(map(re.escape, plain))
                + r")(?![\w-])",
                re.IGNORECASE,
            )
            if plain
            else None
        )
        self._tag_re = (
            re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(tag_keys, key=len, reverse=True)) + r")"
                r"[\"'`]?\s*[=:]\s*[\"'`]?([\w./@+-]{1,128})",
                re.IGNORECASE,
            )
            if tag_keys
            else None
        )

    @property
    def empty(self) -> bool:
        return not self.teams

    def resolve(self, text: str, personas: Iterable[str] = ()) -> OwnerMatch | None:
        """The team owning what ``text`` is about, for a decision tagging ``personas``."""
        if not self.teams:
            return None
        return self.resolve_facts(read_alert(text), text, personas)

    def resolve_facts(self, facts: AlertFacts, text: str, personas: Iterable[str] = ()) -> OwnerMatch | None:
        wanted = frozenset(personas)
        for match in self.candidates(facts, text):
            limit = match.team.personas
            if not limit or wanted.intersection(limit):
                return match
        return None

    def candidates(self, facts: AlertFacts, text: str = "") -> list[OwnerMatch]:
        """Every team the alert's identifiers point at, in precedence order (one entry per team)."""
        ranked: list[tuple[int, int, int, OwnerMatch]] = []
        for position, identifier in enumerate(facts.identifiers):
            for order, exact in self._exact_matches(identifier):
                ranked.append((0, -_EXACT_ORDER[order], position, exact))
            if identifier.kind == "tag":
                tagged = self._tag_match(identifier.value)
                if tagged:
                    ranked.append((1, 0, position, tagged))
            elif identifier.kind == "budget":
                team = self._budgets.get(scope_key("budgets", identifier.value))
                if team:
                    ranked.append((2, 0, position, OwnerMatch(team, f"budget {identifier.value}", "budget")))
            elif identifier.kind == "payer_account":
                team = self._exact.get(("account", scope_key("aws_accounts", identifier.value)))
                if team:
                    ranked.append((4, 0, position, OwnerMatch(team, f"account {identifier.value}", "id")))
            if identifier.kind in NAME_KINDS and self._globs:
                globbed = self._glob_match(identifier)
                if globbed:
                    ranked.append((3, -globbed[0], position, globbed[1]))
        if self._tag_re is not None and text:
            written_tags = self._written_tags(text[:20_000])
            for position, written in enumerate(written_tags, start=len(facts.identifiers)):
                tagged = self._tag_match(f"{written.group(1)}={written.group(2)}")
                if tagged:
                    ranked.append((1, 0, position, tagged))
        if self._named_re is not None and text:
            for position, named in enumerate(self._named_re.finditer(text[:20_000]), start=len(facts.identifiers)):
                for order, exact in self._exact_matches(Identifier(named.group(1).lower(), named.group(2).lower())):  # type: ignore[arg-type]
                    ranked.append((0, -_EXACT_ORDER[order], position, exact))
        ranked.sort(key=lambda item: item[:3])
        seen: set[str] = set()
        result = []
        for *_, match in ranked:
            if match.team.id not in seen:
                seen.add(match.team.id)
                result.append(match)
        return result

    def _written_tags(self, text: str) -> list[re.Match[str]]:
        """``self._tag_re.finditer(text)``, tried only where a tag key is written.

        The regex opens with a look-behind, so a scan tries every character;
        every match starts at one of the keys, found by ``str.find`` on the
        lower-cased text (exact for ASCII, where IGNORECASE is ``str.lower``).
        """
        tag_re = self._tag_re
        assert tag_re is not None
        if not text.isascii():
            return list(tag_re.finditer(text))
        lowered = text.lower()
        starts: set[int] = set()
        for key in self._tag_keys:
            at = lowered.find(key)
            while at != -1:
                starts.add(at)
                at = lowered.find(key, at + 1)
        found: list[re.Match[str]] = []
        end = 0
        for start in sorted(starts):
            if start < end:
                continue  # inside the tag matched before, as finditer would skip it
            match = tag_re.match(text, start)
            if match is not None:
                found.append(match)
                end = match.end()
        return found

    def _exact_matches(self, identifier: Identifier) -> list[tuple[str, OwnerMatch]]:
        kind = identifier.kind
        field = KIND_FIELDS.get(kind)
        if field is None:
            return []
        value = identifier.value
        if kind == "namespace":
            found = []
            team = self._exact.get(("namespace", scope_key(field, value)))
            if team is not None:
                order = "namespace@cluster" if "/" in value else "namespace"
                found.append((order, OwnerMatch(team, f"namespace {value}", "id")))
            if "/" in value:
                bare = value.rpartition("/")[2]
                team = self._exact.get(("namespace", bare))
                if team is not None:
                    found.append(("namespace", OwnerMatch(team, f"namespace {bare}", "id")))
            return found
        team = self._exact.get((kind, scope_key(field, value)))
        if team is None:
            return []
        return [(kind, OwnerMatch(team, f"{SCOPE_WORDS[kind]} {value}", "id"))]

    def _tag_match(self, tag: str) -> OwnerMatch | None:
        key = scope_key("tags", tag)
        team = self._tags.get(key)
        return OwnerMatch(team, f"tag {tag}", "tag") if team else None

    def _glob_match(self, identifier: Identifier) -> tuple[int, OwnerMatch] | None:
        if self._any_glob is None:
            return None
        found = self._any_glob.match(identifier.value.casefold())
        if found is None or found.lastindex is None:
            return None
        glob, literal, team = self._globs[found.lastindex - 1]
        words = SCOPE_WORDS.get(identifier.kind, identifier.kind.replace("_", " "))
        return literal, OwnerMatch(team, f"{words} {identifier.value} (matches {glob})", "name")

    # ------------------------------------------------------------ who-owns

    def owned(self, kind: str) -> tuple[str, ...]:
        """Every value of one identifier kind the teams own, as owners.yaml writes them (for did-you-mean)."""
        field = KIND_FIELDS.get(kind)
        if field is None:
            return ()
        return tuple(dict.fromkeys(value for team in self.teams for value in getattr(team.scopes, field)))

    def lookup(self, kind: str, value: str) -> OwnerMatch | None:
        """The team owning one scope named by a person: ``lookup("account", "111122223333")``."""
        identifier = Identifier(kind, value)  # type: ignore[arg-type]
        facts = AlertFacts((), (identifier,))
        matches = self.candidates(facts)
        return matches[0] if matches else None


# Identifier kind -> the words a person writes before its value.
SCOPE_WORDS = {
    "account": "account",
    "project": "project",
    "subscription": "subscription",
    "resource_group": "resource group",
    "cluster": "cluster",
    "namespace": "namespace",
    "account_name": "account",
    "subscription_name": "subscription",
    "budget": "budget",
    "name": "name",
}
