"""Startup and organisation pickers: the suggestions a type-ahead offers for a few typed letters,
what a typed name, acronym or slug resolves to (or why it does not), and the form fields that take
a startup or an organisation typed as text.

The same rule serves every way in: without JavaScript a person types the name and the server
resolves it; with it, `static/core/suggest.js` offers the suggestions and puts the chosen one's
`value` in the field, which the server resolves exactly as if it had been typed. A suggestion's
value therefore always resolves to its own object: the name when no other bears it, else the slug.

Each function runs one or two statements (the organisations' namesakes; the "did you mean" list
of an unknown name), whatever the number of startups or organisations.
"""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased
from wtforms import StringField

from portfolio.extensions import db
from portfolio.startups.folding import fold_text, folded
from portfolio.startups.models import Incubator, Organisation, Sponsorship, Startup
from portfolio.startups.phases import label as phase_label
from portfolio.status.models import StartupStatus
from portfolio.validation import too_long_message

#: How many suggestions a type-ahead offers at most.
SUGGESTION_LIMIT = 10
#: The longest text a picker or the suggestions read (names are at most 300 characters).
MAX_TYPED = 300
#: How many near matches an "unknown name" message proposes.
NEAR_MATCHES = 5
#: Between an organisation's acronym and its name in its suggestion ("DGE — Direction générale…").
ACRONYM_SEPARATOR = " — "
#: The registry's organisation types in words, shown beneath an organisation's suggestion.
ORGANISATION_KINDS = {
    "administration-centrale": "Administration centrale",
    "operateur": "Opérateur",
    "collectivite-territoriale": "Collectivité territoriale",
    "securite-sociale": "Sécurité sociale",
    "service-deconcentre": "Service déconcentré",
}


class PickError(ValueError):
    """A typed name that names no startup (or organisation), or several: the French reason."""


@dataclass(frozen=True)
class Suggestion:
    #: What goes into the field, and resolves to this object alone.
    value: str
    #: What the list shows, and a second line (phase and incubator, or the organisation's kind).
    label: str
    hint: str = ""

    def as_json(self) -> dict:
        return {"value": self.value, "label": self.label, "hint": self.hint}


def _typed(text: str | None) -> str:
    """The typed text with its spaces tidied ("  Signaux   faibles " → "Signaux faibles")."""
    return " ".join((text or "").split())


# --- Startups ---------------------------------------------------------------------------------


def _startup_namesakes():
    """How many startups share the current row's folded name (correlated, for the suggestions)."""
    other = aliased(StartupStatus)
    return (
        select(func.count()).select_from(other).where(other.sort_name == StartupStatus.sort_name).scalar_subquery()
    )


def startup_suggestions(text: str | None, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    """The startups whose name or slug contains `text` (case and accents ignored): the one so named
    first, then those whose name starts with it, then in name order; none for an empty or over-long text."""
    typed = _typed(text)
    if not typed or len(typed) > MAX_TYPED:
        return []
    wanted = fold_text(typed)
    name, slug = StartupStatus.sort_name, func.lower(Startup.slug)
    rank = case(
        (or_(name == wanted, slug == wanted), 0),
        (or_(name.startswith(wanted, autoescape=True), slug.startswith(wanted, autoescape=True)), 1),
        else_=2,
    )
    statement = (
        select(Startup.slug, Startup.name, StartupStatus.phase, Incubator.name, _startup_namesakes())
        .join(StartupStatus, StartupStatus.startup_id == Startup.id)
        .outerjoin(Incubator, Incubator.id == Startup.incubator_id)
        .where(or_(name.contains(wanted, autoescape=True), slug.contains(wanted, autoescape=True)))
        .order_by(rank, name, Startup.id)
        .limit(limit)
    )
    return [
        Suggestion(
            value=startup_name if namesakes <= 1 else startup_slug,
            label=startup_name if namesakes <= 1 else f"{startup_name} ({startup_slug})",
            hint=" · ".join(part for part in (phase_label(phase) if phase else "Sans phase", incubator) if part),
        )
        for startup_slug, startup_name, phase, incubator, namesakes in db.session.execute(statement)
    ]


def resolve_startup(text: str | None) -> Startup:
    """The startup whose slug (any case) or name (case and accents ignored) is `text`; PickError
    with the French reason when none is, or several are."""
    typed = _typed(text)
    if not typed:
        raise PickError("Saisissez le nom ou l’identifiant d’une startup.")
    if len(typed) > MAX_TYPED:
        raise PickError(too_long_message(MAX_TYPED))
    matches = list(
        db.session.scalars(
            select(Startup)
            .outerjoin(StartupStatus, StartupStatus.startup_id == Startup.id)
            .where(or_(func.lower(Startup.slug) == typed.lower(), StartupStatus.sort_name == fold_text(typed)[:300]))
            .order_by(Startup.id)
            .limit(NEAR_MATCHES + 1)
        )
    )
    # A slug written exactly names one startup, whatever others are called.
    by_slug = [startup for startup in matches if startup.slug == typed]
    if by_slug:
        return by_slug[0]
    if len(matches) == 1:
        return matches[0]
    if matches:
        slugs = ", ".join(startup.slug for startup in matches[:NEAR_MATCHES])
        raise PickError(
            f"Plusieurs startups s’appellent « {typed} » : saisissez l’identifiant de celle que vous voulez ({slugs})."
        )
    near = [suggestion.label for suggestion in startup_suggestions(typed, NEAR_MATCHES)]
    hint = f" Vouliez-vous dire : {', '.join(near)} ?" if near else ""
    raise PickError(f"Aucune startup ne s’appelle « {typed} ».{hint} Saisissez son nom complet ou son identifiant.")


def startup_value(startup: Startup | None) -> str:
    """What a picker shows for a startup already chosen (an edited line's): its name, or its slug
    when another startup bears the same name."""
    if startup is None:
        return ""
    namesakes = db.session.scalar(
        select(func.count()).select_from(StartupStatus).where(StartupStatus.sort_name == fold_text(startup.name)[:300])
    )
    return startup.name if (namesakes or 0) <= 1 else startup.slug


# --- Incubators -------------------------------------------------------------------------------


def incubator_suggestions(text: str | None, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    """The incubators whose name or slug contains `text` (case and accents ignored), those so named
    or starting with it first."""
    typed = _typed(text)
    if not typed or len(typed) > MAX_TYPED:
        return []
    wanted = fold_text(typed)
    name, slug = folded(Incubator.name), func.lower(Incubator.slug)
    rank = case(
        (or_(name == wanted, slug == wanted), 0),
        (or_(name.startswith(wanted, autoescape=True), slug.startswith(wanted, autoescape=True)), 1),
        else_=2,
    )
    statement = (
        select(Incubator.slug, Incubator.name)
        .where(or_(name.contains(wanted, autoescape=True), slug.contains(wanted, autoescape=True)))
        .order_by(rank, name, Incubator.id)
        .limit(limit)
    )
    return [Suggestion(value=incubator_name, label=incubator_name) for _, incubator_name in db.session.execute(statement)]


def resolve_incubator(text: str | None) -> Incubator:
    """The incubator whose slug (any case) or name (case and accents ignored) is `text`; PickError
    with the French reason when none is (several sharing a name: the first, by slug written exactly)."""
    typed = _typed(text)
    if not typed:
        raise PickError("Saisissez le nom ou l’identifiant d’un incubateur.")
    if len(typed) > MAX_TYPED:
        raise PickError(too_long_message(MAX_TYPED))
    matches = list(db.session.scalars(
        select(Incubator)
        .where(or_(func.lower(Incubator.slug) == typed.lower(), folded(Incubator.name) == fold_text(typed)))
        .order_by(case((Incubator.slug == typed, 0), else_=1), Incubator.id)
        .limit(NEAR_MATCHES + 1)
    ))
    if len(matches) == 1 or (matches and matches[0].slug == typed):
        return matches[0]
    if matches:
        slugs = ", ".join(incubator.slug for incubator in matches[:NEAR_MATCHES])
        raise PickError(f"Plusieurs incubateurs s’appellent « {typed} » : saisissez l’identifiant de celui que vous voulez ({slugs}).")
    near = [suggestion.label for suggestion in incubator_suggestions(typed, NEAR_MATCHES)]
    hint = f" Vouliez-vous dire : {', '.join(near)} ?" if near else ""
    raise PickError(f"Aucun incubateur ne s’appelle « {typed} ».{hint} Saisissez son nom complet ou son identifiant.")


# --- Organisations ----------------------------------------------------------------------------


def organisation_label(acronym: str | None, name: str) -> str:
    """"DGE — Direction générale des entreprises", or the name alone without a distinct acronym."""
    return f"{acronym}{ACRONYM_SEPARATOR}{name}" if acronym and acronym != name else name


def _organisation_namesakes(rows) -> Counter:
    """How many organisations bear each (folded name, folded acronym) of `rows`: one statement, a
    single pass over the organisations (a correlated count per row would fold them all per row)."""
    names = {fold_text(row.name) for row in rows}
    if not names:
        return Counter()
    statement = select(Organisation.name, Organisation.acronym).where(folded(Organisation.name).in_(names))
    return Counter((fold_text(name), fold_text(acronym or "")) for name, acronym in db.session.execute(statement))


def organisation_suggestions(
    text: str | None, limit: int = SUGGESTION_LIMIT, sponsoring: bool = False
) -> list[Suggestion]:
    """The organisations whose name, acronym or slug contains `text` (case and accents ignored): the
    one so named first, then those whose acronym, name or slug starts with it, then in name order.
    With `sponsoring`, only those that sponsor at least one startup (the portfolio's sponsor filter)."""
    typed = _typed(text)
    if not typed or len(typed) > MAX_TYPED:
        return []
    wanted = fold_text(typed)
    name, acronym, slug = folded(Organisation.name), folded(Organisation.acronym), func.lower(Organisation.slug)
    rank = case(
        (or_(acronym == wanted, name == wanted, slug == wanted), 0),
        (or_(
            acronym.startswith(wanted, autoescape=True),
            name.startswith(wanted, autoescape=True),
            slug.startswith(wanted, autoescape=True),
        ), 1),
        else_=2,
    )
    statement = (
        select(Organisation.slug, Organisation.name, Organisation.acronym, Organisation.kind)
        .where(
            or_(
                name.contains(wanted, autoescape=True),
                acronym.contains(wanted, autoescape=True),
                slug.contains(wanted, autoescape=True),
            )
        )
        .order_by(rank, name, Organisation.id)
        .limit(limit)
    )
    if sponsoring:  # the LIMIT still applies after this condition
        statement = statement.where(exists().where(Sponsorship.organisation_id == Organisation.id))
    rows = db.session.execute(statement).all()
    namesakes = _organisation_namesakes(rows)
    suggestions = []
    for row in rows:
        shown = organisation_label(row.acronym, row.name)
        shared = namesakes[(fold_text(row.name), fold_text(row.acronym or ""))] > 1
        suggestions.append(
            Suggestion(
                value=row.slug if shared else shown,
                label=f"{shown} ({row.slug})" if shared else shown,
                hint=ORGANISATION_KINDS.get((row.kind or "").strip(), ""),
            )
        )
    return suggestions


def resolve_organisation(text: str | None) -> Organisation:
    """The organisation whose slug (any case), acronym or name (case and accents ignored), or
    "ACRONYME — Nom" as the suggestions write it, is `text`; PickError when none is, or several are."""
    typed = _typed(text)
    if not typed:
        raise PickError("Saisissez le nom, le sigle ou l’identifiant d’une organisation.")
    if len(typed) > MAX_TYPED:
        raise PickError(too_long_message(MAX_TYPED))
    wanted = fold_text(typed)
    name, acronym = folded(Organisation.name), folded(Organisation.acronym)
    conditions = [func.lower(Organisation.slug) == typed.lower(), name == wanted, acronym == wanted]
    if ACRONYM_SEPARATOR.strip() in typed:
        written_acronym, _, written_name = typed.partition(ACRONYM_SEPARATOR.strip())
        conditions.append((acronym == fold_text(written_acronym.strip())) & (name == fold_text(written_name.strip())))
    matches = list(
        db.session.scalars(select(Organisation).where(or_(*conditions)).order_by(Organisation.id).limit(NEAR_MATCHES + 1))
    )
    # A slug written exactly names one organisation ("anah"), whatever the others' acronyms ("ANAH", "Anah").
    by_slug = [organisation for organisation in matches if organisation.slug == typed]
    if by_slug:
        return by_slug[0]
    # "DGE — Direction générale des entreprises" names one organisation even when another is "DGE".
    whole = [organisation for organisation in matches
             if fold_text(organisation_label(organisation.acronym, organisation.name)) == wanted]
    if len(whole) == 1:
        return whole[0]
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(
            f"{organisation_label(organisation.acronym, organisation.name)} ({organisation.slug})"
            for organisation in matches[:NEAR_MATCHES]
        )
        raise PickError(f"Plusieurs organisations répondent à « {typed} » : saisissez l’identifiant de celle que vous voulez ({listed}).")
    near = [suggestion.label for suggestion in organisation_suggestions(typed, NEAR_MATCHES)]
    hint = f" Vouliez-vous dire : {', '.join(near)} ?" if near else ""
    raise PickError(
        f"Aucune organisation ne s’appelle « {typed} ».{hint} Saisissez son nom, son sigle ou son identifiant."
    )


def organisation_value(organisation: Organisation | None) -> str:
    """What a picker shows for an organisation already chosen: as its suggestion would write it."""
    if organisation is None:
        return ""
    namesakes = db.session.scalar(
        select(func.count())
        .select_from(Organisation)
        .where(
            folded(Organisation.name) == fold_text(organisation.name),
            func.coalesce(folded(Organisation.acronym), "") == fold_text(organisation.acronym or ""),
        )
    )
    shown = organisation_label(organisation.acronym, organisation.name)
    return shown if (namesakes or 0) <= 1 else organisation.slug


# --- Form fields ------------------------------------------------------------------------------


class _Picker(StringField):
    """A text field naming an object, resolved once the field's own validators passed (declare
    it with `bounded()`, as every text field): `picked` holds the object (None when left empty), a
    name that resolves to none or several is a French error. `suggestions_endpoint` (with
    `suggestions_args`) is the JSON the type-ahead reads (the `field` macro wires it)."""

    suggestions_endpoint: str = ""
    suggestions_args: dict = {}
    picked = None

    def resolve(self, typed: str):
        raise NotImplementedError

    def pre_validate(self, form) -> None:
        self.picked = None

    def post_validate(self, form, validation_stopped: bool) -> None:
        if validation_stopped or self.errors or not _typed(self.data):
            return
        try:
            self.picked = self.resolve(self.data)
        except PickError as error:
            self.errors.append(str(error))


class StartupPicker(_Picker):
    """A startup typed by its name or slug (offered by the type-ahead)."""

    suggestions_endpoint = "startups.suggestions"

    def resolve(self, typed: str) -> Startup:
        return resolve_startup(typed)


class OrganisationPicker(_Picker):
    """An organisation typed by its name, acronym or slug (offered by the type-ahead)."""

    suggestions_endpoint = "organisations.suggestions"

    def resolve(self, typed: str) -> Organisation:
        return resolve_organisation(typed)


class SponsorPicker(OrganisationPicker):
    """An organisation that sponsors at least one startup (the portfolio's sponsor filter)."""

    suggestions_args = {"sponsoring": 1}

    def resolve(self, typed: str) -> Organisation:
        organisation = resolve_organisation(typed)
        if not db.session.scalar(select(exists().where(Sponsorship.organisation_id == organisation.id))):
            raise PickError(f"{organisation_label(organisation.acronym, organisation.name)} ne sponsorise aucune startup.")
        return organisation


class IncubatorPicker(_Picker):
    """An incubator typed by its name or slug (offered by the type-ahead)."""

    suggestions_endpoint = "incubators.suggestions"

    def resolve(self, typed: str) -> Incubator:
        return resolve_incubator(typed)
