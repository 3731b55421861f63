"""`/finops`: one registry of subcommands drives both the dispatch and the help text."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.inputs import CommandRequest
from bot.render import commands as render
from bot.render.text import quote
from bot.routing.scope_queries import answer_scope
from bot.services.ports import OpenRequests
from bot.services.runtime import Runtime, RuntimeHolder
from bot.services.silencing import Silencing
from bot.services.views import open_lines

PUBLIC_FLAG = "--public"
LISTED = 20

Answer = Callable[["Commands", Runtime, str, CommandRequest], dict]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    answer: Answer
    aliases: tuple[str, ...] = ()
    # In manifest.yaml's usage hint. The silence commands (issue 14) are listed by `/finops help`
    # only: adding them to the hint would change the manifest, which installed apps must re-apply.
    hinted: bool = True


class Commands:
    def __init__(self, holder: RuntimeHolder, requests: OpenRequests, silencing: Silencing | None = None):
        self.holder = holder
        self.requests = requests
        self.silencing = silencing
        self._by_name = {name: sub for sub in SUBCOMMANDS for name in (sub.name, *sub.aliases)}

    def respond(self, command: CommandRequest) -> dict:
        runtime = self.holder.current
        text = command.text.strip()
        public = False
        if text.endswith(PUBLIC_FLAG):
            public, text = True, text[: -len(PUBLIC_FLAG)].strip()
        name, _, argument = text.partition(" ")
        name, argument = name.lower(), argument.strip()
        subcommand = self._by_name.get(name or "help")
        if subcommand is None:
            response = help_message(f"Unknown subcommand “{quote(name, 40)}”.")
        else:
            response = subcommand.answer(self, runtime, argument, command)
        response["response_type"] = "in_channel" if public else "ephemeral"
        return response

    def help(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        return help_message()

    def who_owns(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if not argument:
            return help_message("Tell me a topic: `/finops who-owns anomalies`.")
        scoped = answer_scope(runtime.router.owners, argument, runtime.lookup)
        if scoped is not None:
            return render.render_scope_owner(scoped, runtime.names.mentions)
        answer = runtime.lookup.lookup(argument)
        return render.render_who_owns(argument, answer, runtime.config, runtime.names.mentions)

    def personas(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        return render.render_personas(runtime.config, runtime.names.mentions)

    def persona(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if not argument.strip():
            known = ", ".join(f"`{p}`" for p in runtime.config.persona_ids)
            return help_message(f"Tell me a persona: `/finops persona finance`. The personas: {known}.")
        persona_id = argument.lower().strip()
        names = {p.name.lower(): p.id for p in runtime.config.personas.personas}
        persona_id = names.get(persona_id, persona_id)
        if persona_id not in runtime.config.persona_ids:
            suggestions = difflib.get_close_matches(persona_id, runtime.config.persona_ids, n=3, cutoff=0.5)
            return render.render_unknown_persona(argument, suggestions)
        persona = runtime.config.persona(persona_id)
        owned = [t.name for t in runtime.config.routing.topics if persona.id in t.owners.responsible]
        return render.render_persona(persona, runtime.names.mentions, owned, runtime.config.routing.timezone)

    def route(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if not argument:
            return help_message("Give me a message to route: `/finops route our RI coverage dropped`.")
        decision = runtime.router.route({"text": argument})
        return render.render_route_preview(argument, decision, runtime.names.mentions, runtime.topic_names)

    def open(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        persona = argument.lower().strip() or None
        if persona and persona not in runtime.config.persona_ids:
            suggestions = difflib.get_close_matches(persona, runtime.config.persona_ids, n=3, cutoff=0.5)
            return render.render_unknown_persona(argument, suggestions)
        title = f"Open requests for {runtime.config.persona(persona).name}" if persona else "Open FinOps requests"
        return self._open_list(runtime, title, [persona] if persona else None)

    def mine(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        personas = runtime.names.personas_of(command.user_id)
        if not personas:
            return render.render_not_in_any_persona()
        return self._open_list(runtime, "Your open requests", list(personas))

    def _open_list(self, runtime: Runtime, title: str, personas: list[str] | None) -> dict:
        # One row past the page says whether more are open; only then is it worth counting them.
        rows = self.requests.open_requests(personas=personas, limit=LISTED + 1)
        total = self.requests.count_open(personas) if len(rows) > LISTED else None
        listed = rows[:LISTED]
        stated = self.requests.stated_amounts([row.id for row in listed if row.amount_usd is not None])
        return render.render_open_requests(title, open_lines(runtime, listed, stated), total)

    def mute(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if self.silencing is None:
            return help_message("Silences are not available here.")
        if not argument:
            return help_message(
                "Say what and for how long: `/finops mute source=kubecost,account=123 for 7d migration`."
            )
        return self.silencing.mute_command(runtime, argument, command)

    def mutes(self, runtime: Runtime, argument: str, command: CommandRequest) -> dict:
        if self.silencing is None:
            return help_message("Silences are not available here.")
        return self.silencing.list_message()


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "who-owns",
        "who-owns <topic | account id | project | subscription | namespace …>",
        "owners of a topic (e.g. `anomalies`, `RI coverage`, `contract renewals`)",
        Commands.who_owns,
        aliases=("whoowns", "owner"),
    ),
    Subcommand("personas", "personas", "the FinOps personas and how to reach them", Commands.personas),
    Subcommand("persona", "persona <id>", "one persona's responsibilities, Slack targets and duties", Commands.persona),
    Subcommand("route", "route <text>", "how a message would be routed, and why", Commands.route),
    Subcommand("open", "open [persona]", "requests not closed yet (open or taken), oldest first", Commands.open),
    Subcommand("mine", "mine", "open requests for the personas you belong to", Commands.mine),
    Subcommand(
        "mute",
        "mute <what> for <duration> [reason]",
        "record matching alerts without tagging anyone (`source=kubecost,account=123 for 7d`)",
        Commands.mute,
        aliases=("silence",),
        hinted=False,
    ),
    Subcommand(
        "mutes", "mutes", "silences in force, who set them and why", Commands.mutes, aliases=("silences",), hinted=False
    ),
    Subcommand("help", "help", "this message", Commands.help),
)


def help_message(prefix: str = "") -> dict:
    return render.render_help([(sub.usage, sub.summary) for sub in SUBCOMMANDS], prefix)
