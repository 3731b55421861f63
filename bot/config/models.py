"""Typed, immutable configuration models.

Both YAML files are parsed once into these models (see ``bot.config.loader``).
Every model forbids unknown keys so a typo in a key is an error, not a silently
ignored setting. Cross-references (persona ids used by topics, escalations,
calendar entries...) are checked by the loader, which knows file lines.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from bot.config.models_base import Frozen
from bot.config.receivers import ReceiversConfig, SilencesConfig
from bot.config.recurrence_fields import DEFAULT_TIME, ClockTime, Months, OnDate, check_recurrence
from bot.domain.calendars import BusinessCalendar, business_calendar
from bot.domain.finance_dates import FinanceDate

PersonaKind = Literal["core", "allied"]
Role = Literal["responsible", "accountable", "consulted", "informed"]
ROLES: tuple[Role, ...] = ("responsible", "accountable", "consulted", "informed")


class SlackTargets(Frozen):
    """Where a persona is reached. Names are resolved to Slack ids at start-up."""

    channel: str | None = None  # "#finops-finance"
    usergroup: str | None = None  # "@finops-finance" (a user-group handle)
    people: tuple[str, ...] = ()  # emails or Slack user ids ("U0123ABC")


class Duty(Frozen):
    """A recurring reminder posted to the persona's channel: on a cron ``schedule`` or a finance date (``on``)."""

    id: str
    text: str
    # Five-field cron with named days/months allowed: "0 9 * * MON-FRI".
    schedule: str | None = None
    # Or a finance date on the persona's business calendar: last-business-day, business-day 3, quarter-end...
    on: OnDate | None = None
    months: Months = ()  # with `on`: only these months
    at: ClockTime | None = None  # with `on`: the wall-clock time, 09:00 when left out
    timezone: str | None = None  # falls back to the persona's, then routing.timezone

    @model_validator(mode="after")
    def _one_kind_of_schedule(self) -> Duty:
        check_recurrence(
            "a duty", ("schedule", self.schedule), self.on, self.months, extras={"at": self.at}, once_hint="cron"
        )
        return self

    @property
    def finance_date(self) -> FinanceDate | None:
        return None if self.on is None else (self.on.in_months(self.months) if self.months else self.on)

    @property
    def time_of_day(self) -> dt.time:
        return self.at or DEFAULT_TIME


class Persona(Frozen):
    id: str
    name: str
    kind: PersonaKind
    summary: str
    responsibilities: tuple[str, ...] = ()
    slack: SlackTargets = SlackTargets()
    timezone: str | None = None
    duties: tuple[Duty, ...] = ()
    # Public holidays that are not business days for this persona ("US", "DE-BY"), and its weekend.
    holidays: str | None = None
    weekend: tuple[str, ...] = ("SAT", "SUN")
    # What people call this persona when they ask it to act ("eng please...", "can finance..."):
    # a message naming it so is routed to it too (bot.routing.addressees).
    called: tuple[str, ...] = ()

    @property
    def calendar(self) -> BusinessCalendar:
        return business_calendar(self.holidays, self.weekend)


class PersonasFile(Frozen):
    version: Literal[1] = 1
    personas: tuple[Persona, ...]


class Owners(Frozen):
    """RACI owners of a topic, by persona id."""

    responsible: tuple[str, ...] = ()  # tagged in the thread
    accountable: tuple[str, ...] = ()  # nudged when nobody acknowledges in time
    consulted: tuple[str, ...] = ()  # named in the thread, not pinged
    informed: tuple[str, ...] = ()  # digest only


class Topic(Frozen):
    id: str
    name: str
    description: str = ""
    # Words, phrases and abbreviations that signal the topic. Matching folds case,
    # Unicode and inflections; see bot.routing.
    terms: tuple[str, ...]
    # The same for messages in another language, by language code ("es", "fr",
    # "de", "pt"): each list is stemmed with that language's stemmer and used
    # only on messages detected as that language (see RoutingFile.languages).
    terms_by_language: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Words people type to `/finops who-owns` that are not message terms: the
    # FinOps Framework capability names, everyday synonyms ("cloud bill").
    aliases: tuple[str, ...] = ()
    owners: Owners
    # When the topic is among a message's topics, its responsible personas are
    # tagged first: a suspected compromise outranks the spend spike it caused.
    lead: bool = False
    # Topics that name the ask when this one only names the subject: when this topic leads a
    # message and one of these also has evidence, that topic's owners are tagged first ("the RIs
    # expire, who renews?": the renewal's procurement before the commitment strategy's
    # practitioner) -- unless a word of the message begins with one of ``keeps_lead_on``
    # ("coverage", "utiliz": the message is about the strategy after all).
    yields_to: tuple[str, ...] = ()
    keeps_lead_on: tuple[str, ...] = ()
    # Word beginnings that say the message asks about the ask topic's own matter as well ("who owns", "refresh",
    # "update" the tagging policy): that topic then leads even beside a ``keeps_lead_on`` word, this one second
    # ("who owns the tagging policy, and can someone tag the untagged instances?").
    shares_lead_on: tuple[str, ...] = ()
    # Topics under whose lead this one is not tagged beside it ("our Savings Plan utilization is
    # 71%, should we stop buying?": low commitment utilisation is not idle resources) -- unless a
    # word of the message begins with one of ``joins_on`` (the message asks for this topic's work:
    # "clean", "delet").
    excluded_under: tuple[str, ...] = ()
    joins_on: tuple[str, ...] = ()
    # Overrides routing.acknowledgement.window_business_days for this topic.
    ack_window_business_days: float | None = Field(default=None, gt=0)


class Escalation(Frozen):
    """Amount-based escalation: at or above the threshold also tag these personas."""

    id: str
    min_amount_usd: float = Field(ge=0)
    tag: tuple[str, ...]


class WatchConfig(Frozen):
    channels: tuple[str, ...] = ("#cost-alerts",)


class AcknowledgementConfig(Frozen):
    window_business_days: float = Field(default=1, gt=0)
    # Who may mark requests resolved / not-a-request. Empty = anyone.
    # Entries are persona ids (meaning that persona's people and user-group
    # members), emails or Slack user ids.
    closers: tuple[str, ...] = ()


class RepeatConfig(Frozen):
    window_hours: float = Field(default=24, gt=0)


class DigestConfig(Frozen):
    channel: str = "#finops"
    schedule: str = "0 9 * * MON"
    timezone: str | None = None
    per_persona: bool = False


class SchedulerConfig(Frozen):
    # An occurrence missed while the bot was down is still posted this long after
    # its fire time; later it is skipped and logged.
    grace_minutes: float = Field(default=60, ge=0)
    # Whether `serve`/`socket` run the scheduler in-process (single instance).
    in_process: bool = False


class CalendarEntry(Frozen):
    """A dated FinOps obligation: renewal, commitment expiry, budget cycle..."""

    id: str
    name: str
    date: dt.date | None = None  # once, on this date...
    on: OnDate | None = None  # ...or recurring on a finance date: last-business-day, business-day 3, quarter-end
    months: Months = ()  # with `on`: only these months
    until: dt.date | None = None  # with `on`: the last due date
    # Topic whose owners receive the reminders, unless owners are given here.
    topic: str | None = None
    owners: Owners | None = None
    lead_days: tuple[int, ...] = (90, 60, 30, 7)
    business_days: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _dated_or_recurring(self) -> CalendarEntry:
        check_recurrence(
            "a calendar entry",
            ("date", self.date),
            self.on,
            self.months,
            extras={"until": self.until},
            once_hint="date",
        )
        return self

    @property
    def finance_date(self) -> FinanceDate | None:
        return None if self.on is None else (self.on.in_months(self.months) if self.months else self.on)

    def last_due(self) -> dt.date | None:
        """The last day anything is due: the date, or ``until`` of a recurrence (None: it never ends)."""
        return self.date if self.on is None else self.until


class CurrenciesConfig(Frozen):
    """Approximate conversion rates to USD, for escalation and ranking only.

    ``to_usd`` maps an ISO 4217 code to the USD value of one unit; entries
    override or extend the shipped table (``bot.routing.money.DEFAULT_RATES``).
    """

    as_of: dt.date | None = None  # the date the rates were taken
    to_usd: dict[str, float] = Field(default_factory=dict)


class LanguageContext(Frozen):
    """A language's words that say a message is about cloud cost at all (the
    English ones are built in, see bot.routing.lexicon)."""

    cloud: tuple[str, ...] = ()  # cloud words on their own ("nube" is weak: use weak_cloud)
    weak_cloud: tuple[str, ...] = ()  # cloud words only next to a cost word
    money: tuple[str, ...] = ()  # cost words ("coste", "facture", "Kosten")
    weak_money: tuple[str, ...] = ()  # cost words only next to a cloud word ("presupuesto")
    request: tuple[str, ...] = ()  # question and ask forms ("quién", "pouvez-vous", "bitte")
    action: tuple[str, ...] = ()  # something crossed or needs doing ("superado", "dépassé")
    info: tuple[str, ...] = ()  # routine reports with nothing crossed


class Language(Frozen):
    """A language besides English that messages may be written in."""

    # Common words of the language that English does not use (articles,
    # pronouns, prepositions). A message with two of them (one, if it is
    # short) is matched against the language's terms as well as the English ones.
    markers: tuple[str, ...]
    context: LanguageContext = LanguageContext()
    # English terms that are ordinary words of this language ("Tag" is "day"
    # in German): ignored in messages written in it.
    false_friends: tuple[str, ...] = ()
    # Separable verb prefixes ("ab", "aus", "ein" in German): standing at the end of a clause, the prefix is
    # joined to the clause's verbs before matching, so "die RIs laufen im Januar ab" is read as "ablaufen"
    # (a term written in its joined form: "ablaufen", "abläuft").
    separable_prefixes: tuple[str, ...] = ()


class BudgetQuestions(Frozen):
    """A budget question with little cloud context ("are we over budget this month?", "presupuesto al
    80%") is about the cloud budget when it asks for the budget's state (a cue word or a percentage)
    and the budget is unqualified or qualified only by a period or a cloud scope: the bot watches cost
    channels, where "the budget" is the cloud budget, and "the hiring budget", "the budget for the
    party" are another's (see ``bot.routing.budget_questions``)."""

    topic: str = ""  # the topic that must have matched; "" turns the reading off
    words: tuple[str, ...] = ()  # beginnings of the budget word: budg, presup, orçam
    cues: tuple[str, ...] = ()  # words that ask the budget's state: over, left, burned, superado...
    periods: tuple[str, ...] = ()  # month, q4, november, diciembre...: a budget's period
    scopes: tuple[str, ...] = ()  # cloud, aws, prod...: a cloud budget's scope
    around: tuple[str, ...] = ()  # words that may stand next to the budget word: the, our, is, at...
    links: tuple[str, ...] = ()  # for, de, für, pour...: what follows must be a period or a scope
    other_budgets: tuple[str, ...] = ()  # what another budget is for, anywhere: party, movie, cena...


class UnitCosts(Frozen):
    """A cost per business unit in any wording ("cost us to serve one tenant", "spend per shipment",
    "cost per 1,000 API requests") reads as the topic's ``term`` (see ``bot.routing.unit_costs``)."""

    topic: str = ""  # the unit-economics topic; "" turns the reading off
    term: str = ""  # one of the topic's terms, the one the reading counts as: "cost per unit"
    costs: tuple[str, ...] = ()  # cost words: cost, spend, cogs
    links: tuple[str, ...] = ()  # words right before the unit: per, each, every, one
    between: tuple[str, ...] = ()  # words that may stand between them: us, to, serve, api, k
    units: tuple[str, ...] = ()  # units of the business: customer, tenant, booking, shipment
    qualifiers: tuple[str, ...] = ()  # words after which any word is a unit: active, paying
    served: tuple[str, ...] = ()  # words after which any word is a unit: served, delivered


class CostRises(Frozen):
    """A spend spike told in everyday words ("costs went through the roof", "the bill jumped from £8k to
    £14k", "what happened to our spend?? 📈") reads as the topic's ``term`` (see ``bot.routing.cost_rises``)."""

    topic: str = ""  # the cost-anomalies topic; "" turns the reading off
    term: str = ""  # one of the topic's terms, the one the reading counts as: "cost spike"
    costs: tuple[str, ...] = ()  # cost words the rise is told of: costs, spend, bill
    before: tuple[str, ...] = ()  # words that may stand right before the cost word: the, our, cloud, monthly
    rises: tuple[str, ...] = ()  # words of a sudden rise after the cost word: jumped, skyrocketed, roof
    mild: tuple[str, ...] = ()  # words of a plain rise, a spike only beside one of ``emoji``: up, higher
    emoji: tuple[str, ...] = ()  # characters that tell alarm at a rise: 📈 😱 🔥
    asks: tuple[str, ...] = ()  # words before the cost word that ask what made it rise: happened


class RoutingFile(Frozen):
    version: Literal[1] = 1
    timezone: str = "UTC"
    watch: WatchConfig = WatchConfig()
    fallback_persona: str = "finops-practitioner"
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    escalations: tuple[Escalation, ...] = ()
    acknowledgement: AcknowledgementConfig = AcknowledgementConfig()
    repeats: RepeatConfig = RepeatConfig()
    digest: DigestConfig = DigestConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    calendar: tuple[CalendarEntry, ...] = ()
    currencies: CurrenciesConfig = CurrenciesConfig()
    receivers: ReceiversConfig = ReceiversConfig()
    silences: SilencesConfig = SilencesConfig()
    # Languages besides English, by code (es, fr, de, pt, it, nl).
    languages: dict[str, Language] = Field(default_factory=dict)
    # Chat abbreviations and the word each stands for ("pls: please"). Applied
    # to messages and terms alike, before stemming and typo correction.
    shorthand: dict[str, str] = Field(default_factory=dict)
    budget_questions: BudgetQuestions = BudgetQuestions()
    unit_costs: UnitCosts = UnitCosts()
    cost_rises: CostRises = CostRises()
    topics: tuple[Topic, ...]


class TeamScopes(Frozen):
    """What a team owns. Ids match exactly; names, budgets and tags ignore case."""

    aws_accounts: tuple[str, ...] = ()  # 12 digits, quoted: "111122223333"
    gcp_projects: tuple[str, ...] = ()  # project ids ("payments-prod") or numbers
    azure_subscriptions: tuple[str, ...] = ()  # subscription ids (GUIDs)
    azure_resource_groups: tuple[str, ...] = ()
    kubernetes_clusters: tuple[str, ...] = ()
    kubernetes_namespaces: tuple[str, ...] = ()  # "namespace" (any cluster) or "cluster/namespace"
    tags: tuple[str, ...] = ()  # cost-allocation tags or labels: "team=payments", "cost-center=1234"
    budgets: tuple[str, ...] = ()  # budget names as the alerts state them
    names: tuple[str, ...] = ()  # globs over account, project, subscription, cluster... names: "payments-*"


class Team(Frozen):
    id: str
    name: str = ""
    slack: SlackTargets = SlackTargets()
    # Limit the team to the topics these personas are responsible for
    # (e.g. [engineering]: the team owns engineering work for its scopes;
    # finance, procurement... stay with the persona's own channel). Empty: all.
    personas: tuple[str, ...] = ()
    scopes: TeamScopes = TeamScopes()


class OwnersFile(Frozen):
    """owners.yaml: who owns which accounts, projects, subscriptions, namespaces... Optional."""

    version: Literal[1] = 1
    teams: tuple[Team, ...] = ()


class BotConfig(Frozen):
    """All files, validated together. The one object the rest of the bot sees."""

    personas: PersonasFile
    routing: RoutingFile
    source_dir: str
    owners: OwnersFile = OwnersFile()

    def team(self, team_id: str) -> Team:
        for team in self.owners.teams:
            if team.id == team_id:
                return team
        raise KeyError(team_id)

    def persona(self, persona_id: str) -> Persona:
        for persona in self.personas.personas:
            if persona.id == persona_id:
                return persona
        raise KeyError(persona_id)

    def topic(self, topic_id: str) -> Topic:
        for topic in self.routing.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    @property
    def persona_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.personas.personas)
