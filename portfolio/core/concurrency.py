"""Optimistic locking of the edit forms: two people editing the same object never lose a change.

An edited model is `Versioned`: its `version` column is SQLAlchemy's `version_id_col`, so an
UPDATE carries `WHERE version = <the one loaded>` and bumps it. The form carries the version it
was loaded with (`version_field(obj)` in the template, a hidden input). On a valid submission the
view calls `check(obj, form)` before its operation:

- a submitted version that is no longer the stored one raises `EditConflict`: nothing is saved and
  the French conflict page (409) shows, field by field, the value now stored (who changed it and
  when, from the audit log) beside the submitted one, with two ways out: "Garder la version
  enregistrée" (the form again, prefilled with the stored values) or "Enregistrer ma version" (the
  same values sent again with the stored version);
- a checked object is bumped by any write of the request, its relations included (a startup
  whose sponsors alone change gets a new version too), so the next stale form sees it;
- two requests that both pass the check race at the UPDATE: the second's flush raises
  `StaleDataError`, which ends on the same page instead of a 500.

The stored values are the form as the view itself prefills it on a GET: the conflict page runs the
view once more as a GET, in the same session, and keeps the form it renders. So no view describes
its fields twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import current_app, render_template, request, template_rendered
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import event, inspect, select, text
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from wtforms import Form
from wtforms.fields import (
    BooleanField,
    FieldList,
    FileField,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.fields.core import Field

from portfolio.extensions import db

#: The hidden input that carries the version a form was loaded with.
TOKEN = "version"
#: What an object not created yet counts as (a first preparation, a first decision…).
NONE_YET = 0
_GUARDED = "concurrency_guarded"
_BUMPED = "concurrency_bumped"
_ENVIRON = "portfolio.concurrency"
_SHOWING_STORED = "portfolio.concurrency.stored"
EMPTY = "(vide)"
#: How many of the object's latest audit events the conflict page lists.
RECENT_EVENTS = 5


class Versioned:
    """Mixin: the model's rows carry a version that every UPDATE checks and bumps."""

    #: Optimistic lock: bumped by every write of the row; a form submitted over an older one is refused.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class EditConflict(Exception):
    """The form was loaded from a version of the object that is no longer the stored one."""


@dataclass
class _Guard:
    obj: Any
    form: Form


def current_version(obj) -> int:
    return obj.version if obj is not None else NONE_YET


def submitted_version() -> int | None:
    """The version the submitted form was loaded with; None when the form carries none."""
    raw = request.form.get(TOKEN)
    if raw is None:
        return None
    return int(raw) if raw.strip().isdigit() else -1


def showing_stored() -> bool:
    """Whether this GET renders the form for the conflict page's "Version enregistrée" column.

    A form that records a new fact (a status change, a departure, an amendment) is prefilled on a
    GET with a fresh proposal (today, the next number); for the conflict page it is prefilled with
    the fact stored meanwhile instead, so that the stored value shows beside the submitted one."""
    return bool(request.environ.get(_SHOWING_STORED))


def version_field(obj) -> Markup:
    """The hidden input of an edit form: the version shown, or the one a re-shown submission came with."""
    version = submitted_version() if request.method == "POST" else None
    if version is None or version < 0:
        version = current_version(obj)
    return Markup(f'<input type="hidden" name="{TOKEN}" value="{escape(version)}">')


def check(obj, form: Form) -> None:
    """Refuse a submission over a newer version; otherwise watch `obj` until the request commits.

    `obj` may be None when the form creates the object it edits (a first preparation): the form then
    carries version 0, and finding the object created meanwhile is a conflict too. A form posted
    without any version (a script) is not checked here; its flush still is."""
    request.environ[_ENVIRON] = _Guard(obj, form)
    submitted = submitted_version()
    if submitted is not None and submitted != current_version(obj):
        raise EditConflict()
    if obj is not None:
        db.session.info.setdefault(_GUARDED, []).append(obj)


# --- Bumping a checked object whenever its request writes ------------------------------------


def _bump_guarded(session: Session, flush_context, instances) -> None:
    guarded = session.info.get(_GUARDED)
    if not guarded or not (session.new or session.deleted or session.dirty):
        return
    bumped = session.info.setdefault(_BUMPED, set())
    for obj in guarded:
        state = inspect(obj)
        if id(obj) in bumped or state.session is not session or state.deleted or state.was_deleted:
            continue
        bumped.add(id(obj))
        # version_id_col takes an explicit value: the UPDATE still checks the loaded one.
        obj.version = obj.version + 1


def _forget(session: Session, transaction=None) -> None:
    """The request's transaction ended (committed or rolled back): nothing is watched any more."""
    if transaction is None or transaction.parent is None:
        session.info.pop(_GUARDED, None)
        session.info.pop(_BUMPED, None)


# --- The conflict page -----------------------------------------------------------------------


@dataclass
class Row:
    label: str
    stored: str
    submitted: str
    changed_by: str | None = None

    @property
    def differs(self) -> bool:
        return self.stored != self.submitted


def _shown(field: Field, value: Any) -> str:
    if isinstance(field, (SelectField, RadioField, SelectMultipleField)):
        labels = {str(key): label for key, label in _choices(field)}
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = [labels.get(str(item), str(item)) for item in values if item not in (None, "")]
        return ", ".join(shown) or EMPTY
    if isinstance(field, BooleanField):
        return "Oui" if value else "Non"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    return str(value).strip()


def _choices(field) -> list[tuple]:
    return [(value, label) for value, label, *_ in field.iter_choices()]


def _leaves(form: Form, prefix: str = "") -> list[tuple[str, str, Field]]:
    """(name, label, field) of every field a person fills in, nested lists flattened."""
    leaves = []
    for field in form:
        if isinstance(field, (HiddenField, SubmitField, FileField)) or field.type == "CSRFTokenField":
            continue
        label = f"{prefix}{field.label.text}"
        if isinstance(field, FieldList):
            for index, entry in enumerate(field.entries, start=1):
                if isinstance(entry, FormField):
                    leaves += _leaves(entry.form, f"{label} {index} — ")
                else:
                    leaves.append((entry.name, f"{label} {index}", entry))
        elif isinstance(field, FormField):
            leaves += _leaves(field.form, f"{label} — ")
        else:
            leaves.append((field.name, label, field))
    return leaves


def _stored_form(form: Form) -> Form | None:
    """The form as the view prefills it on a GET from what is stored now."""
    view = current_app.view_functions[request.endpoint]
    rendered: list[Form] = []

    def keep(sender, template, context, **extra):
        if isinstance(context.get("form"), Form):
            rendered.append(context["form"])

    with current_app.test_request_context(request.full_path, method="GET", base_url=request.host_url):
        request.environ[_SHOWING_STORED] = True
        with template_rendered.connected_to(keep, current_app._get_current_object()):
            try:
                view(**(request.view_args or {}))
            except HTTPException:  # gone or no longer allowed: nothing stored to show
                return None
    return rendered[0] if rendered else None


def _history(obj) -> tuple[dict[str, str], list]:
    """Who changed each attribute of `obj` last and when, and its latest events, from the audit log."""
    from portfolio.audit.models import AuditEvent
    from portfolio.audit.tracking import object_key
    from portfolio.timeutil import format_datetime

    object_type, object_id = object_key(obj)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id.desc())
        .limit(50)
    ).all()
    authors: dict[str, str] = {}
    for audit_event in events:
        said = f"{audit_event.actor_label}, le {format_datetime(audit_event.at)}"
        authors.setdefault("", said)
        for key in audit_event.after or {}:
            authors.setdefault(key, said)
    return authors, events[:RECENT_EVENTS]


def _rows(stored: Form | None, submitted: Form, authors: dict[str, str]) -> list[Row]:
    stored_fields = {name: field for name, _, field in _leaves(stored)} if stored is not None else {}
    rows = []
    for name, label, field in _leaves(submitted):
        mine = _shown(field, field.data)
        now = _shown(field, stored_fields[name].data) if name in stored_fields else EMPTY
        key = name.rsplit("-", 1)[-1]
        rows.append(Row(label, now, mine, authors.get(key) or authors.get(f"{key}_id")))
    return rows


def conflict_page(guard: _Guard | None):
    """Roll back, then show what is stored beside what was submitted (409)."""
    db.session.rollback()
    _forget(db.session)
    # This session's token first: the GET run below must not mint one for an empty session.
    generate_csrf()
    obj = guard.obj if guard is not None else None
    if obj is not None and inspect(obj).persistent:
        try:
            db.session.refresh(obj)
        except InvalidRequestError:  # deleted meanwhile: nothing stored left to compare with
            obj = None
    elif obj is not None:
        obj = None
    stored = _stored_form(guard.form) if guard is not None else None
    authors, events = _history(obj) if obj is not None else ({}, [])
    resubmitted = [
        (key, value) for key, value in request.form.items(multi=True) if key not in ("csrf_token", TOKEN)
    ]
    context = {
        "rows": _rows(stored, guard.form, authors) if guard is not None else [],
        "label": str(obj) if obj is not None else None,
        "last_change": authors.get(""),
        "events": events,
        "values": resubmitted + [(TOKEN, str(current_version(obj)))],
        "action_url": request.full_path.rstrip("?"),
        "keep_url": request.full_path.rstrip("?") if guard is not None else (request.referrer or "/"),
        "can_resubmit": guard is not None,
    }
    return render_template("core/conflict.html", **context), 409


def _on_conflict(error: EditConflict):
    return conflict_page(request.environ.get(_ENVIRON))


def _on_stale(error: StaleDataError):
    return conflict_page(request.environ.get(_ENVIRON))


def install(app) -> None:
    """Listen to the ORM sessions and answer conflicts with the page (called by the app factory)."""
    if not event.contains(Session, "before_flush", _bump_guarded):
        event.listen(Session, "before_flush", _bump_guarded)
        event.listen(Session, "after_transaction_end", _forget)
    app.register_error_handler(EditConflict, _on_conflict)
    app.register_error_handler(StaleDataError, _on_stale)
    app.jinja_env.globals["version_field"] = version_field
