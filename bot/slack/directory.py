"""Turn the names in config (#channel, @user-group, email, user id) into Slack mentions.

A handle written as text pings nobody, so every persona target is resolved to
an id through the Web API once at start-up (and again on config reload), and
mentions use Slack's real syntax: ``<#C…>``, ``<!subteam^S…>``, ``<@U…>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.models import BotConfig, Persona, Team
from bot.config.values import CHANNEL_ID, USER_ID, USERGROUP_ID
from bot.render.text import Mentions, team_mention_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unresolved:
    persona: str
    target: str
    reason: str

    def __str__(self) -> str:
        who = f"team {self.persona[5:]}" if self.persona.startswith("team:") else f"persona {self.persona}"
        return f"{who}: cannot resolve {self.target}: {self.reason}"


@dataclass
class Directory:
    """Resolved Slack ids for one config. Built by ``resolve_directory``."""

    channel_ids: dict[str, str] = field(default_factory=dict)  # "cost-alerts" -> "C…"
    channel_names: dict[str, str] = field(default_factory=dict)  # "C…" -> "cost-alerts"
    usergroup_ids: dict[str, str] = field(default_factory=dict)  # "finops-eng" -> "S…"
    usergroup_members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "S…" -> users
    user_ids: dict[str, str] = field(default_factory=dict)  # email or id -> "U…"
    mentions: Mentions = field(default_factory=lambda: Mentions({}, {}))
    members_by_persona: dict[str, frozenset[str]] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    # False when conversations.list failed: the channel names are missing, or kept from the last good resolution.
    complete: bool = True

    def channel_id(self, name_or_id: str) -> str | None:
        name = name_or_id.lstrip("#")
        if CHANNEL_ID.match(name):
            return name
        return self.channel_ids.get(name.lower())

    def user_id_for(self, person: str) -> str | None:
        """A configured person (email or user id) as a user id, when resolved."""
        return person if USER_ID.match(person) else self.user_ids.get(person)

    def personas_of(self, user_id: str) -> tuple[str, ...]:
        return tuple(sorted(p for p, members in self.members_by_persona.items() if user_id in members))


def resolve_directory(
    client: WebClient, config: BotConfig, previous: object | None = None, *, log_unresolved: bool = True
) -> Directory:
    """Ids for every name ``config`` uses.

    ``log_unresolved=False`` when the caller reports ``directory.unresolved`` itself (check-config --slack),
    so each unresolved target is said once.

    When Slack fails to list channels the directory is marked incomplete (the caller tries again later)
    and keeps the channel names of ``previous``, the last directory that had them.
    """
    directory = Directory()
    if not _load_channels(client, directory):
        directory.complete = False
        if isinstance(previous, Directory) and previous.channel_ids:
            directory.channel_ids = dict(previous.channel_ids)
            directory.channel_names = dict(previous.channel_names)
    _load_usergroups(client, directory)
    by_persona: dict[str, str] = {}
    for persona in config.personas.personas:
        parts, members = _resolve_persona(client, directory, persona)
        if parts:
            by_persona[persona.id] = " ".join(parts)
        directory.members_by_persona[persona.id] = frozenset(members)
    names = {p.id: p.name for p in config.personas.personas}
    for team in config.owners.teams:
        # Teams (owners.yaml) are resolved like personas and mentioned under "team:<id>".
        first_problem = len(directory.unresolved)
        parts, _members = _resolve_persona(client, directory, team)
        for index in range(first_problem, len(directory.unresolved)):
            problem = directory.unresolved[index]
            directory.unresolved[index] = Unresolved(team_mention_key(team.id), problem.target, problem.reason)
        if parts:
            by_persona[team_mention_key(team.id)] = " ".join(parts)
        names[team_mention_key(team.id)] = team.name or team.id
    directory.mentions = Mentions(by_persona=by_persona, names=names)
    persona_ids = set(config.persona_ids)
    for closer in config.routing.acknowledgement.closers:
        if closer not in persona_ids and "@" in closer and _resolve_person(client, directory, closer) is None:
            directory.unresolved.append(Unresolved("(closers)", closer, "user not found"))
    for channel in config.routing.watch.channels:
        if directory.channel_id(channel) is None:
            reason = "channel not found or bot not a member" if directory.complete else "Slack failed to list channels"
            directory.unresolved.append(Unresolved("(watch)", channel, reason))
    for problem in directory.unresolved if log_unresolved else ():
        log.warning("slack target unresolved: %s", problem)
    return directory


def _resolve_persona(client: WebClient, directory: Directory, persona: Persona | Team) -> tuple[list[str], set[str]]:
    parts: list[str] = []
    members: set[str] = set()
    targets = persona.slack
    if targets.channel:
        channel_id = directory.channel_id(targets.channel)
        if channel_id:
            parts.append(f"<#{channel_id}>")
        else:
            directory.unresolved.append(Unresolved(persona.id, targets.channel, "channel not found"))
    if targets.usergroup:
        handle = targets.usergroup.lstrip("@")
        group_id = handle if USERGROUP_ID.match(handle) else directory.usergroup_ids.get(handle.lower())
        if group_id:
            parts.append(f"<!subteam^{group_id}>")
            members.update(directory.usergroup_members.get(group_id, ()))
        else:
            directory.unresolved.append(Unresolved(persona.id, targets.usergroup, "user group not found"))
    for person in targets.people:
        user_id = _resolve_person(client, directory, person)
        if user_id:
            parts.append(f"<@{user_id}>")
            members.add(user_id)
        else:
            directory.unresolved.append(Unresolved(persona.id, person, "user not found"))
    return parts, members


def _resolve_person(client: WebClient, directory: Directory, person: str) -> str | None:
    if USER_ID.match(person):
        return person
    if person in directory.user_ids:
        return directory.user_ids[person]
    try:
        response = client.users_lookupByEmail(email=person)
    except SlackApiError as error:
        log.warning("users.lookupByEmail failed for a configured person: %s", error.response.get("error"))
        return None
    user_id = response["user"]["id"]
    directory.user_ids[person] = user_id
    return user_id


def _load_channels(client: WebClient, directory: Directory) -> bool:
    """Every channel's name and id; False (with what was read so far discarded) when Slack failed."""
    channel_ids: dict[str, str] = {}
    channel_names: dict[str, str] = {}
    cursor = None
    while True:
        try:
            response = client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
        except SlackApiError as error:
            log.warning("conversations.list failed: %s", error.response.get("error"))
            return False
        except (URLError, OSError) as error:  # slack_sdk's own retries are spent
            log.warning("conversations.list failed: %s", type(error).__name__)
            return False
        channels: list[dict] = response.get("channels") or []
        for channel in channels:
            channel_ids[channel["name"].lower()] = channel["id"]
            channel_names[channel["id"]] = channel["name"]
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            directory.channel_ids.update(channel_ids)
            directory.channel_names.update(channel_names)
            return True


def _load_usergroups(client: WebClient, directory: Directory) -> None:
    try:
        response = client.usergroups_list(include_users=True)
    except SlackApiError as error:
        # Free workspaces have no user groups; personas then rely on channels and people.
        log.warning("usergroups.list failed: %s", error.response.get("error"))
        return
    groups: list[dict] = response.get("usergroups") or []
    for group in groups:
        directory.usergroup_ids[group["handle"].lower()] = group["id"]
        directory.usergroup_members[group["id"]] = tuple(group.get("users") or ())
