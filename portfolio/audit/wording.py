"""The audit trail in French words, as the pages name things: each kind of object and each of its
fields, and each value as the pages show it (phase and status labels from the domains' own label
tables, amounts in €, dates and Paris times, oui/non), a reference to another object replaced by
that object's name (and a link to its page when it has one), a long text trimmed with the whole
of it a click away.

Every audited model and column has its French name here: tests/test_audit_wording.py fails for a
new one without it.
"""
from dataclasses import dataclass, field
from functools import cache
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import url_for
from sqlalchemy import inspect, select
from sqlalchemy.orm.util import identity_key

from portfolio.audit.tracking import MASKED
from portfolio.extensions import db

#: What an audited object is, by its audit type (the table name less its final s).
OBJECT_KINDS = {
    "user": "Compte",
    "role_grant": "Rôle",
    "organisation": "Organisation",
    "incubator": "Incubateur",
    "startup": "Startup",
    "co_incubation": "Co-incubation",
    "sponsorship": "Sponsor",
    "phase_span": "Période de phase",
    "milestone": "Fait marquant",
    "indicator": "Indicateur",
    "measurement": "Mesure",
    "team_member": "Membre de l’équipe",
    "impact_certification": "Niveau d’impact certifié",
    "convention": "Convention",
    "convention_partie": "Partie à la convention",
    "convention_obligation": "Obligation de la convention",
    "convention_status_change": "Statut de la convention",
    "grant": "Subvention",
    "funding_line": "Ligne de financement",
    "line_amount": "Montants d’une ligne",
    "amendment": "Avenant",
    "consumption_report": "Compte rendu de consommation",
    "consumption_entrie": "Ligne de compte rendu de consommation",
    "meeting": "Réunion",
    "meeting_participant": "Participant·e",
    "review": "Revue d’une startup",
    "preparation": "Préparation",
    "decision": "Décision",
    "follow_up_action": "Action de suivi",
    "calendar_token": "Flux d’agenda",
    "notification_preference": "Préférence de rappels",
    "reminder_deadline": "Échéance",
    "account_token": "Lien de connexion ou de réinitialisation",
    "api_token": "Jeton d’API",
}

#: Field names shared by several kinds (a kind's own entry wins).
COMMON_FIELDS = {
    "id": "Identifiant",
    "slug": "Identifiant",
    "name": "Nom",
    "title": "Titre",
    "startup_id": "Startup",
    "user_id": "Compte",
    "incubator_id": "Incubateur",
    "organisation_id": "Organisation",
    "convention_id": "Convention",
    "meeting_id": "Réunion",
    "review_id": "Revue",
    "line_id": "Ligne de financement",
    "created_at": "Créé le",
    "created_by_id": "Créé par",
    "updated_at": "Mis à jour le",
    "updated_by_id": "Mis à jour par",
    "kind": "Type",
    "status": "Statut",
    "role": "Rôle",
    "description": "Description",
    "note": "Note",
    "date": "Date",
    "start": "Début",
    "end": "Fin",
    "minutes": "Compte rendu",
    "uo": "UO",
    "website": "Site web",
    "contact": "Contact",
    "address": "Adresse",
    "email": "Adresse électronique",
    "organisation": "Organisation",
    "text": "Texte",
    "version": "Version",
    "expires_at": "Expire le",
    "revoked_at": "Révoqué le",
    "token_hash": "Empreinte du secret",
}

#: Each kind's own field names.
FIELDS = {
    "user": {"password_hash": "Mot de passe", "active": "Actif", "oidc_sub": "Identifiant ProConnect",
             "session_version": "Version des sessions"},
    "account_token": {"purpose": "Usage", "used_at": "Utilisé le"},
    "api_token": {"last_used_at": "Dernière utilisation", "prefix": "Début du jeton"},
    "role_grant": {"granted_at": "Attribué le", "granted_by_id": "Attribué par"},
    "organisation": {"acronym": "Sigle", "kind": "Type d’organisation", "ministry_domain": "Domaine ministériel"},
    "incubator": {"owner_id": "Organisation", "short_description": "Présentation"},
    "grant": {"kind": "Nature", "promotion": "Promotion", "amount_eur": "Montant", "source": "Source",
              "startup_id": "Startup"},
    "startup": {
        "pitch": "Mission", "porteur_id": "Porteur", "incubator_id": "Incubateur principal",
        "repository": "Code source", "stats_url": "Statistiques", "impact_url": "Mesure d’impact",
        "budget_url": "Budget", "dashlord_url": "DashLord", "extra": "Autres données du registre",
    },
    "co_incubation": {"incubator_id": "Co-incubateur"},
    "sponsorship": {"organisation_id": "Sponsor"},
    "phase_span": {"phase": "Phase", "comment": "Commentaire"},
    "milestone": {},
    "indicator": {"unit": "Unité", "allows_negative": "Valeurs négatives permises"},
    "measurement": {"indicator_id": "Indicateur", "value": "Valeur", "milestone_id": "Fait marquant"},
    "team_member": {"start": "Arrivée", "end": "Départ"},
    "impact_certification": {
        "level": "Niveau d’impact", "certified_on": "Date du niveau d’impact", "certified_by": "Certifié par",
        "comment": "Commentaire", "recorded_by_id": "Enregistré par", "recorded_at": "Enregistré le",
    },
    "convention": {
        "reference": "Référence", "title": "Intitulé", "kind": "Nature", "fund": "Fonds",
        "budget_programme": "Programme", "bop": "BOP", "legal_basis": "Visas", "purpose": "Objet",
        "signed_on": "Date de signature", "effective_on": "Date d’effet", "ends_on": "Date de fin",
        "until_paid": "Jusqu’au paiement", "declared_total_ae": "Total AE déclaré",
        "declared_total_cp": "Total CP déclaré", "report_due_days": "Délai de dépôt des comptes rendus (jours)",
        "document_path": "Fichier signé", "document_name": "Nom du document signé",
        "document_size": "Taille du document signé (octets)",
    },
    "convention_partie": {
        "representative_name": "Représentant·e", "representative_title": "Qualité du représentant·e",
        "signatory_name": "Signataire", "signatory_title": "Qualité du signataire",
    },
    "convention_obligation": {},
    "convention_status_change": {"changed_on": "Date du changement"},
    "funding_line": {
        "fiscal_year": "Exercice", "label": "Projet", "direction": "Direction", "activite": "Activité",
        "paaf": "PAAF", "position": "Rang dans l’annexe",
    },
    "line_amount": {"effective_on": "À partir du", "ae": "AE", "cp": "CP", "amendment_id": "Avenant"},
    "amendment": {"number": "Numéro", "signed_on": "Date de signature"},
    "consumption_report": {
        "quarter_start": "Début du trimestre", "submitted_on": "Déposé le", "submitted_by_id": "Déposé par",
    },
    "consumption_entrie": {
        "report_id": "Compte rendu", "ae_committed": "AE engagées", "cp_paid": "CP payés",
    },
    "meeting": {
        "sequence": "Version du calendrier", "revised_at": "Révisée le",
        "starts_at": "Début", "location": "Lieu", "video_link": "Lien de visioconférence", "chair_id": "Présidence",
        "pack_sent_at": "Dossier envoyé le", "pack_sent_to": "Dossier envoyé à", "closed_at": "Clôturée le",
        "source": "Origine",
    },
    "meeting_participant": {"attended": "Présent·e"},
    "review": {
        "position": "Rang dans l’ordre du jour", "presentation_minutes": "Présentation (minutes)",
        "questions_minutes": "Questions (minutes)", "deliberation_minutes": "Délibération (minutes)",
        "health": "Santé de la startup", "health_reason": "Motif de la santé",
        "health_recorded_on": "Santé enregistrée le", "health_by_id": "Santé enregistrée par",
    },
    "preparation": {
        "done_since_last": "Fait depuis le dernier comité", "objectives": "Objectifs des 6 prochains mois",
        "budget_asked": "Budget demandé", "blockers": "Points de blocage", "impact": "Grille d’impact",
    },
    "decision": {
        "provisional_months": "Mois de budget provisoire",
        "outcome": "Décision", "phase_change_to": "Nouvelle phase", "phase_change_on": "Changement de phase le",
        "amount_granted": "Montant accordé", "conditions": "Conditions", "reserves": "Réserves",
        "validated_at": "Validée le", "validated_by_id": "Validée par", "phase_span_id": "Période de phase",
    },
    "follow_up_action": {
        "decision_id": "Décision", "owner_id": "Responsable", "owner_name": "Responsable (nom)",
        "due_on": "Échéance", "done_on": "Faite le",
    },
    "calendar_token": {"token": "Jeton", "revoked_at": "Révoqué le"},
    "notification_preference": {"mode": "Réception des rappels"},
    "reminder_deadline": {
        "rule": "Règle", "subject": "Objet de l’échéance", "due_on": "Échéance", "visible_from": "Visible à partir du",
        "url": "Lien", "closed_at": "Close le", "close_reason": "Motif de clôture", "closed_by_id": "Close par",
        "reminded_on": "Dernier rappel le", "recipients_digest": "Destinataires (empreinte)",
    },
}

#: Money columns (shown in €); other Numeric columns are plain numbers.
MONEY = {
    ("convention", "declared_total_ae"), ("convention", "declared_total_cp"), ("line_amount", "ae"),
    ("line_amount", "cp"), ("consumption_entrie", "ae_committed"), ("consumption_entrie", "cp_paid"),
    ("preparation", "budget_asked"), ("decision", "amount_granted"), ("grant", "amount_eur"),
}
#: Texts longer than this are trimmed, the whole text behind a "Lire la suite".
LONG_TEXT = 160


@cache
def _value_labels() -> dict[tuple[str, str], dict[str, str]]:
    """Codes to labels, from the tables the domains already define."""
    from portfolio.accounts.models import ROLE_LABELS
    from portfolio.funding.models import CONVENTION_KINDS, CONVENTION_STATUSES, OBLIGATION_KINDS, PARTY_ROLES
    from portfolio.governance.models import (
        ACTION_STATUSES,
        DECISION_OUTCOMES,
        MEETING_KINDS,
        MEETING_STATUSES,
        PARTICIPANT_ROLES,
    )
    from portfolio.reminders.models import CLOSE_REASONS, DELIVERY_MODES
    from portfolio.reminders.rules import RULES
    from portfolio.startups.models import IMPACT_CERTIFICATION_LEVELS, MILESTONE_KINDS
    from portfolio.startups.phases import PHASE_LABELS

    return {
        ("role_grant", "role"): ROLE_LABELS,
        ("phase_span", "phase"): PHASE_LABELS,
        ("decision", "phase_change_to"): PHASE_LABELS,
        ("milestone", "kind"): MILESTONE_KINDS,
        ("impact_certification", "level"): IMPACT_CERTIFICATION_LEVELS,
        ("convention", "kind"): CONVENTION_KINDS,
        ("convention", "status"): CONVENTION_STATUSES,
        ("convention_status_change", "status"): CONVENTION_STATUSES,
        ("convention_partie", "role"): PARTY_ROLES,
        ("convention_obligation", "kind"): OBLIGATION_KINDS,
        ("meeting", "kind"): MEETING_KINDS,
        ("meeting", "status"): MEETING_STATUSES,
        ("meeting_participant", "role"): PARTICIPANT_ROLES,
        ("decision", "outcome"): DECISION_OUTCOMES,
        ("follow_up_action", "status"): ACTION_STATUSES,
        ("notification_preference", "mode"): DELIVERY_MODES,
        ("reminder_deadline", "close_reason"): CLOSE_REASONS,
        ("reminder_deadline", "rule"): {key: rule.label for key, rule in RULES.items()},
    }


def kind_label(object_type: str) -> str:
    return OBJECT_KINDS.get(object_type, object_type)


def field_label(object_type: str, key: str) -> str:
    return FIELDS.get(object_type, {}).get(key) or COMMON_FIELDS.get(key) or key


def has_french_name(object_type: str, key: str) -> bool:
    return key in FIELDS.get(object_type, {}) or key in COMMON_FIELDS


# --- References to other objects ------------------------------------------------------------


@cache
def _audited_mappers() -> dict[str, Any]:
    from portfolio.audit.tracking import Audited
    from portfolio.extensions import Base

    return {mapper.class_.audit_type(): mapper for mapper in Base.registry.mappers if issubclass(mapper.class_, Audited)}


@cache
def _references() -> dict[tuple[str, str], Any]:
    """(kind, column) -> the model a foreign key column points at."""
    from portfolio.extensions import Base

    by_table = {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers}
    references = {}
    for kind, mapper in _audited_mappers().items():
        for column in mapper.columns:
            for foreign_key in column.foreign_keys:
                target = by_table.get(foreign_key.column.table.name)
                if target is not None:
                    references[(kind, column.key)] = target
    return references


def _page_of(obj) -> str | None:
    """The page that shows this object, when there is one."""
    from portfolio.funding.models import Convention
    from portfolio.governance.models import Meeting
    from portfolio.startups.models import Startup

    if isinstance(obj, Startup):
        return url_for("startups.detail", slug=obj.slug)
    if isinstance(obj, Convention):
        return url_for("funding.convention_detail", convention_id=obj.id)
    if isinstance(obj, Meeting):
        return url_for("governance.meeting_detail", meeting_id=obj.id)
    return None


def _name_of(obj) -> str:
    from portfolio.accounts.models import User
    from portfolio.funding.models import Convention

    if isinstance(obj, User):
        return obj.name
    if isinstance(obj, Convention):
        return obj.reference
    return str(obj)


# --- Values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A value in words; `url` when it names an object with a page; `whole` when `text` is trimmed."""

    text: str
    url: str | None = None
    whole: str | None = None


@dataclass(frozen=True)
class Change:
    label: str
    before: Shown | None
    after: Shown | None


@dataclass
class EventInWords:
    event: Any
    kind: str
    object_url: str | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def before(self) -> list[tuple[str, Shown]]:
        return [(change.label, change.before) for change in self.changes if change.before is not None]

    @property
    def after(self) -> list[tuple[str, Shown]]:
        return [(change.label, change.after) for change in self.changes if change.after is not None]


def _as_text(value: Any) -> str:
    if isinstance(value, dict):
        return " ; ".join(f"{key} : {_as_text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_as_text(item) for item in value)
    return str(value)


def _trimmed(text: str) -> Shown:
    if len(text) <= LONG_TEXT:
        return Shown(text)
    return Shown(text[:LONG_TEXT].rsplit(" ", 1)[0] + "…", whole=text)


def _column_type(kind: str, key: str) -> str:
    mapper = _audited_mappers().get(kind)
    if mapper is None or key not in mapper.columns:
        return ""
    return type(mapper.columns[key].type).__name__


def show_value(kind: str, key: str, value: Any, names: dict | None = None) -> Shown:
    """One audited value as the pages say it. `names` maps (model, id) to the loaded objects."""
    from portfolio.funding.amounts import format_euros
    from portfolio.startups.charts import format_number
    from portfolio.timeutil import format_date, format_datetime

    if value is None or value == "":
        return Shown("—")
    if value == MASKED:
        return Shown(MASKED)
    target = _references().get((kind, key))
    if target is not None:
        obj = (names or {}).get((target, str(value)))
        if obj is None:
            return Shown(f"n° {value} (n’existe plus)")
        return Shown(_name_of(obj), _page_of(obj))
    labels = _value_labels().get((kind, key))
    if labels is not None:
        return Shown(labels.get(value, str(value)))
    column_type = _column_type(kind, key)
    try:
        if column_type == "Boolean" or isinstance(value, bool):
            return Shown("oui" if value else "non")
        if column_type == "UTCDateTime":
            return Shown(format_datetime(datetime.fromisoformat(value)))
        if column_type == "Date":
            return Shown(format_date(date.fromisoformat(value)))
        if column_type == "Numeric":
            return Shown(format_euros(Decimal(value)) if (kind, key) in MONEY else format_number(Decimal(value)))
    except (TypeError, ValueError, InvalidOperation):
        pass
    return _trimmed(_as_text(value))


def _load_names(events) -> dict:
    """The objects the events' references name, one query per kind of object."""
    references = _references()
    wanted: dict[Any, set] = {}
    for event in events:
        for values in (event.before, event.after):
            for key, value in (values or {}).items():
                target = references.get((event.object_type, key))
                if target is not None and value not in (None, "", MASKED):
                    wanted.setdefault(target, set()).add(value)
    from portfolio.startups.models import Startup

    for event in events:
        if event.object_type == "startup" and event.action != "delete":
            wanted.setdefault(Startup, set()).add(event.object_id)
    names = {}
    for model, ids in wanted.items():
        primary_key = inspect(model).primary_key[0]
        try:
            typed = {int(ident) for ident in ids}
        except (TypeError, ValueError):
            continue
        # What the page already loaded (a startup page has its incubators, sponsors, milestones…)
        # costs no query; the rest is one query per kind of object.
        for ident in list(typed):
            obj = db.session.identity_map.get(identity_key(model, ident))
            if obj is not None:
                names[(model, str(ident))] = obj
                typed.discard(ident)
        if typed:
            for obj in db.session.scalars(select(model).where(primary_key.in_(sorted(typed)))):
                names[(model, str(getattr(obj, primary_key.key)))] = obj
    return names


def _object_url(event, names: dict) -> str | None:
    """The event's own object's page, for the kinds that have one."""
    from portfolio.startups.models import Startup

    if event.action == "delete":
        return None
    if event.object_type == "startup":
        startup = names.get((Startup, event.object_id))
        return _page_of(startup) if startup is not None else None
    if event.object_type == "convention":
        return url_for("funding.convention_detail", convention_id=int(event.object_id))
    if event.object_type == "meeting":
        return url_for("governance.meeting_detail", meeting_id=int(event.object_id))
    return None


def in_words(events) -> list[EventInWords]:
    """The events, each with its kind, its object's page and its changes in French words."""
    events = list(events)
    names = _load_names(events)
    described = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        if not event.before or not event.after:
            # A creation or a deletion: only the fields that had a value.
            keys = [key for key in keys if (before.get(key) if key in before else after.get(key)) not in (None, "")]
        changes = [
            Change(
                field_label(event.object_type, key),
                show_value(event.object_type, key, before[key], names) if key in before else None,
                show_value(event.object_type, key, after[key], names) if key in after else None,
            )
            for key in keys
            if key != "id"
        ]
        described.append(EventInWords(event, kind_label(event.object_type), _object_url(event, names), changes))
    return described


def init_app(app) -> None:
    app.jinja_env.filters["in_words"] = in_words
    app.jinja_env.filters["object_kind_fr"] = kind_label
