"""Who a reminder goes to, by role: the active accounts' role grants, loaded once per sweep.

Accounts carry no organisation, so "finance of the délégataire" and "finance of the délégant"
are the accounts with the finance role; the porteur's contact is the committee chair (the
porteur's representative, DESIGN.md); a startup's coaches are the coaches of its incubator or
co-incubators (the global coaches when these have none); its intrapreneurs are the accounts
scoped to it.
"""
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from portfolio.accounts.models import RoleGrant, User
from portfolio.extensions import db
from portfolio.startups.models import CoIncubation, Startup

#: user id -> the role that makes the reminder theirs (French label in ROLE_NAMES).
Recipients = dict[int, str]

ROLE_NAMES = {
    "finance": "Finance",
    "chair": "Présidence de comité",
    "coach": "Coach",
    "intrapreneur": "Intrapreneur·e",
    "owner": "Responsable de l’action",
    "admin": "Administration (personne d’autre ne la recevrait)",
}


def merged(*groups: Recipients) -> Recipients:
    """Several audiences as one; a person in two keeps the first role named."""
    result: Recipients = {}
    for group in groups:
        for user_id, role in group.items():
            result.setdefault(user_id, role)
    return result


class Audience:
    def __init__(self) -> None:
        self.active_ids: set[int] = set(db.session.scalars(select(User.id).where(User.active.is_(True))))
        self._by_role: dict[str, set[int]] = defaultdict(set)
        self._global_coaches: set[int] = set()
        self._coaches_by_incubator: dict[int, set[int]] = defaultdict(set)
        self._intrapreneurs_by_startup: dict[int, set[int]] = defaultdict(set)
        grants = db.session.execute(
            select(RoleGrant.user_id, RoleGrant.role, RoleGrant.incubator_id, RoleGrant.startup_id)
        )
        for user_id, role, incubator_id, startup_id in grants:
            if user_id not in self.active_ids:
                continue
            self._by_role[role].add(user_id)
            if role == "coach":
                if incubator_id is None:
                    self._global_coaches.add(user_id)
                else:
                    self._coaches_by_incubator[incubator_id].add(user_id)
            elif role == "intrapreneur" and startup_id is not None:
                self._intrapreneurs_by_startup[startup_id].add(user_id)
        self._incubators: dict[int, set[int]] | None = None

    def _incubators_of(self, startup_id: int) -> set[int]:
        if self._incubators is None:
            self._incubators = defaultdict(set)
            for sid, incubator_id in db.session.execute(select(Startup.id, Startup.incubator_id)):
                if incubator_id is not None:
                    self._incubators[sid].add(incubator_id)
            for sid, incubator_id in db.session.execute(select(CoIncubation.startup_id, CoIncubation.incubator_id)):
                self._incubators[sid].add(incubator_id)
        return self._incubators.get(startup_id, set())

    def finance(self) -> Recipients:
        return dict.fromkeys(sorted(self._by_role["finance"]), "finance")

    def admins(self) -> Recipients:
        """The backstop: a deadline nobody else would receive goes to them."""
        return dict.fromkeys(sorted(self._by_role["admin"]), "admin")

    def chairs(self) -> Recipients:
        return dict.fromkeys(sorted(self._by_role["committee_chair"]), "chair")

    def coaches_of(self, *startup_ids: int) -> Recipients:
        """The coaches of these startups' incubators and co-incubators; the global coaches only
        when no incubator of theirs has one (they are the backstop, not every startup's coach:
        otherwise each global coach would be reminded of every startup of the programme)."""
        ids: set[int] = set()
        for startup_id in startup_ids:
            for incubator_id in self._incubators_of(startup_id):
                ids |= self._coaches_by_incubator.get(incubator_id, set())
        return dict.fromkeys(sorted(ids or self._global_coaches), "coach")

    def intrapreneurs_of(self, startup_id: int) -> Recipients:
        return dict.fromkeys(sorted(self._intrapreneurs_by_startup.get(startup_id, set())), "intrapreneur")

    def person(self, user_id: int | None, role: str) -> Recipients:
        """One account, when it exists and is active."""
        return {user_id: role} if user_id is not None and user_id in self.active_ids else {}


@dataclass(frozen=True)
class About:
    """What a deadline is about, as far as its audience goes."""

    startup_ids: tuple[int, ...] = ()
    #: The chair of the meeting (pack), or of the startup's last committee (next committee).
    chair_id: int | None = None
    #: A follow-up's owner.
    owner_id: int | None = None


#: Who each rule's deadlines reach, in one table (the README's reminders section repeats it): the
#: French description the admin page shows, and the audience. A deadline none of these would
#: receive goes to the admins (`recipients`).
AUDIENCES: dict[str, tuple[str, Callable[[Audience, About], Recipients]]] = {
    "quarterly_report": ("finance", lambda audience, about: audience.finance()),
    "committee_before_end": (
        "présidences de comité, coachs des startups financées",
        lambda audience, about: merged(audience.chairs(), audience.coaches_of(*about.startup_ids)),
    ),
    "next_committee": (
        "coachs et intrapreneur·es de la startup, présidence de son dernier comité",
        lambda audience, about: merged(
            audience.person(about.chair_id, "chair"),
            audience.coaches_of(*about.startup_ids),
            *(audience.intrapreneurs_of(startup_id) for startup_id in about.startup_ids),
        ),
    ),
    "committee_pack": ("présidence de la séance", lambda audience, about: audience.person(about.chair_id, "chair")),
    "missing_preparation": (
        "intrapreneur·es de la startup",
        lambda audience, about: merged(*(audience.intrapreneurs_of(startup_id) for startup_id in about.startup_ids)),
    ),
    "follow_up": (
        "responsable de l’action (sans compte : la présidence de la séance, qui l’a confiée)",
        lambda audience, about: audience.person(about.owner_id, "owner") or audience.person(about.chair_id, "chair"),
    ),
    "phase_overdue": ("coachs de ses incubateurs", lambda audience, about: audience.coaches_of(*about.startup_ids)),
    "stale_startup": ("coachs de ses incubateurs", lambda audience, about: audience.coaches_of(*about.startup_ids)),
    "budget_year_end": (
        "finance, intrapreneur·es des startups aux lignes ouvertes",
        lambda audience, about: merged(
            audience.finance(), *(audience.intrapreneurs_of(startup_id) for startup_id in about.startup_ids)
        ),
    ),
    "convention_end_credits": ("finance", lambda audience, about: audience.finance()),
}


def audience_of(audience: Audience, rule: str, about: About = About()) -> Recipients:
    """The rule's audience for this deadline (AUDIENCES), or the admins when it would reach nobody."""
    return AUDIENCES[rule][1](audience, about) or audience.admins()
