"""A startup's certified impact level (beta.gouv.fr issue 21597): no impact matrix, a matrix
published but not reviewed yet, a matrix certified (its form validated by the programme's product
coaches), a matrix validated on substance; with the day and who certified it.

Each level recorded is a row of its own, never an overwrite, so the startup page shows who recorded
which level when (and the audit trail has each row's event). The startup's level is the one of the
latest day, kept in its status row (`portfolio.status`), which the pages, the exports, the dossier
and the API read. Admins and committee chairs record it (`startup.certify_impact`).

Flushes and raises `StartupError` with a French message; the caller commits once."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from portfolio.extensions import db
from portfolio.forms import REASON_TEXT, SHORT_TEXT, Form, bounded, choices
from portfolio.startups.models import IMPACT_CERTIFICATION_LEVELS, ImpactCertification, Startup
from portfolio.startups.operations import StartupError, touch
from portfolio.timeutil import today_in_paris
from portfolio.validation import DAY_RANGE_MESSAGE, supported_day

#: The levels that someone certified, and so need their certifier named.
CERTIFIED_LEVELS = frozenset({"certified", "validated"})
LEVEL_MESSAGE = "Choisissez un niveau d’impact de la liste."


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def impact_history(startup: Startup) -> list[ImpactCertification]:
    """Every level recorded for the startup, the latest day first (one statement)."""
    return list(db.session.scalars(
        select(ImpactCertification)
        .where(ImpactCertification.startup_id == startup.id)
        .options(joinedload(ImpactCertification.recorded_by))
        .order_by(ImpactCertification.certified_on.desc(), ImpactCertification.id.desc())
    ))


def record_impact_level(
    startup: Startup,
    level: str,
    on: date | None,
    certified_by: str | None,
    comment: str | None,
    by=None,
    today: date | None = None,
) -> ImpactCertification:
    """Record that the startup reached `level` on `on` (not after today), certified by
    `certified_by` (required for a certified or validated matrix), as recorded by `by`."""
    today = today or today_in_paris()
    if level not in IMPACT_CERTIFICATION_LEVELS:
        raise StartupError(LEVEL_MESSAGE)
    if on is None:
        raise StartupError("Indiquez la date du niveau d’impact.")
    if not supported_day(on):
        raise StartupError(DAY_RANGE_MESSAGE)
    if on > today:
        raise StartupError(f"La date du niveau d’impact ne peut pas être dans le futur : le {today:%d/%m/%Y} au plus tard.")
    certified_by, comment = _clean(certified_by), _clean(comment)
    if level in CERTIFIED_LEVELS and certified_by is None:
        raise StartupError(f"Indiquez qui a certifié « {IMPACT_CERTIFICATION_LEVELS[level]} ».")
    if certified_by is not None and len(certified_by) > SHORT_TEXT:
        raise StartupError(f"Le nom de qui a certifié ne dépasse pas {SHORT_TEXT} caractères.")
    if comment is not None and len(comment) > REASON_TEXT:
        raise StartupError(f"Le commentaire ne dépasse pas {REASON_TEXT} caractères.")
    same_day = db.session.scalar(
        select(ImpactCertification)
        .where(ImpactCertification.startup_id == startup.id, ImpactCertification.certified_on == on)
        .order_by(ImpactCertification.id.desc())
        .limit(1)
    )
    if same_day is not None and (same_day.level, same_day.certified_by) == (level, certified_by):
        raise StartupError(
            f"« {IMPACT_CERTIFICATION_LEVELS[level]} » est déjà enregistré au {on:%d/%m/%Y} : rien n’a changé."
        )
    certification = ImpactCertification(
        startup=startup,
        level=level,
        certified_on=on,
        certified_by=certified_by,
        comment=comment,
        recorded_by_id=getattr(by, "id", None),
    )
    db.session.add(certification)
    db.session.flush()
    touch(startup)
    return certification


class ImpactLevelForm(Form):
    level = SelectField(
        "Niveau d’impact",
        choices=choices(IMPACT_CERTIFICATION_LEVELS.items(), empty="— Choisir un niveau —"),
        validators=[DataRequired("Choisissez le niveau d’impact.")],
        default="",
        # An unknown value is refused by record_impact_level, in the same French words.
        validate_choice=False,
    )
    certified_on = DateField(
        "Date du niveau d’impact",
        # InputRequired, not DataRequired: a date that is not one keeps its own message.
        validators=[InputRequired("Indiquez la date du niveau d’impact.")],
        invalid_value_message="Saisissez une date valide au format aaaa-mm-jj (par exemple 2024-03-31).",
        description="Le jour où la matrice a été publiée, certifiée ou validée ; aujourd’hui au plus tard.",
    )
    certified_by = StringField(
        "Certifié par",
        validators=[Optional(), bounded(SHORT_TEXT)],
        description="La personne ou l’équipe qui a certifié ou validé la matrice ; obligatoire pour « Matrice "
                    "certifiée » et « Matrice validée ».",
    )
    comment = TextAreaField("Commentaire", validators=[Optional(), bounded(REASON_TEXT)])
