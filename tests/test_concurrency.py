"""Two people on the same edit form: the second submission over a newer version gets the French
conflict page (409) with both versions side by side, saves nothing and leaves no audit event; its
"Enregistrer ma version" then saves. One case per edit form, two logged-in sessions each."""
from dataclasses import dataclass, field
from datetime import date, timedelta
import re
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from typing import Callable

import pytest
from sqlalchemy import func, select, text

from conftest import PASSWORD, csrf_token
from governance_helpers import committee, held_committee, startup
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.funding.models import Convention, ConventionParty, FundingLine, Obligation
from portfolio.governance.models import Meeting
from portfolio.reminders.models import NotificationPreference
from portfolio.startups import operations as startup_operations
from portfolio.startups.models import ImpactCertification, PhaseSpan, Startup, TeamMember
from portfolio.startups.phases import phase_span_on
from portfolio.timeutil import today_in_paris

CONFLICT = "Modification concurrente"


class _PostForms(HTMLParser):
    """What a browser would send for each POST form of a page (its action and its fields)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action"), "fields": []})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "file"):
                fields.append((name, attrs.get("value") or ("y" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            fields.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            name, value = fields[-1]
            fields[-1] = (name, value + data)


def post_forms(html: str) -> list[dict]:
    parser = _PostForms()
    parser.feed(html)
    return parser.forms


def edit_form_fields(html: str) -> dict[str, list[str]]:
    """The fields of the page's edit form (the one carrying a version), as the browser would post them."""
    form = next(form for form in post_forms(html) if any(name == "version" for name, _ in form["fields"]))
    values: dict[str, list[str]] = {}
    for name, value in form["fields"]:
        values.setdefault(name, []).append(value.lstrip("\r\n") if name != "csrf_token" else value)
    return values


def conflict_rows(page: str) -> dict[str, tuple[str, str]]:
    """The conflict page's table: field label → (stored value, submitted value), as a person reads them."""
    table = page[page.index('data-testid="conflict-fields"'):]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        label, stored, submitted = (
            unescape(re.sub(r"<br>.*", "", re.sub(r"<span[^>]*>[^<]*</span>", "", cell), flags=re.S)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        )
        rows[label] = (stored, submitted)
    return rows


def audit_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def session_for(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


@dataclass
class Case:
    """One edit form: where it is, who edits it, the field both people change and how to read it back."""

    id: str
    #: The demo persona of the first session (the second is an admin).
    first: str
    url: Callable[[], str]
    field: str
    mine: str
    theirs: str
    stored: Callable[[], object]
    expected_mine: object = None
    expected_theirs: object = None
    extra: dict = field(default_factory=dict)
    #: Whether re-submitting the second version can succeed (the rules may refuse it: a member leaves once).
    resubmit_saves: bool = True


def _one(model, *where):
    db.session.rollback()
    return db.session.scalar(select(model).where(*where).order_by(model.id))


def _convention() -> Convention:
    return _one(Convention)


def _review(held: bool = False):
    meeting = _one(Meeting, Meeting.source == "past") if held else _one(Meeting)
    return next(review for review in meeting.reviews if review.startup.slug == "signaux-faibles")


def _team_member() -> TeamMember:
    member = _one(TeamMember, TeamMember.name == "Alex Dupont")
    if member is None:
        startup_operations.add_team_member(startup("signaux-faibles"), "Alex Dupont", "développeur", start=date(2020, 1, 6))
        db.session.commit()
        member = _one(TeamMember, TeamMember.name == "Alex Dupont")
    return member


def _latest_impact_certifier() -> str | None:
    db.session.rollback()
    return db.session.scalar(
        select(ImpactCertification.certified_by).order_by(ImpactCertification.certified_on.desc(), ImpactCertification.id.desc())
    )


def _meeting_url(suffix: str, held: bool = False) -> Callable[[], str]:
    """A page of a meeting: a coming one, or one already held (attendance, minutes and decisions open
    on the meeting's day)."""
    def url() -> str:
        if held:
            meeting = _one(Meeting, Meeting.source == "past") or held_committee()
        else:
            meeting = _one(Meeting) or committee()
        return f"/governance/meetings/{meeting.id}/{suffix}"

    return url


def _review_url(suffix: str, held: bool = False) -> Callable[[], str]:
    def url() -> str:
        if held and _one(Meeting, Meeting.source == "past") is None:
            held_committee()
        elif not held and _one(Meeting) is None:
            committee()
        return f"/governance/reviews/{_review(held).id}/{suffix}"

    return url


YESTERDAY, TWO_DAYS_AGO = today_in_paris() - timedelta(days=1), today_in_paris() - timedelta(days=2)

CASES = [
    Case(
        "startup", "coach@demo.beta.gouv.fr", lambda: "/startups/signaux-faibles/edit", "pitch",
        "Détecter tôt les entreprises fragiles.", "Prévenir les défaillances d’entreprises.",
        lambda: _one(Startup, Startup.slug == "signaux-faibles").pitch,
    ),
    Case(
        "phase span", "coach@demo.beta.gouv.fr",
        lambda: f"/startups/signaux-faibles/phases/{_one(PhaseSpan, PhaseSpan.startup_id == startup('signaux-faibles').id).id}/edit",
        "comment", "Investigation menée à la DGE.", "Investigation menée avec l’URSSAF.",
        lambda: _one(PhaseSpan, PhaseSpan.startup_id == startup("signaux-faibles").id).comment,
        extra={"reason": "Précision du commentaire"},
    ),
    Case(
        "team member", "coach@demo.beta.gouv.fr",
        lambda: f"/startups/signaux-faibles/team/{_team_member().id}/end", "end",
        YESTERDAY.isoformat(), TWO_DAYS_AGO.isoformat(), lambda: _one(TeamMember, TeamMember.name == "Alex Dupont").end,
        expected_mine=YESTERDAY, resubmit_saves=False,
    ),
    Case(
        "impact level", "presidente@demo.beta.gouv.fr", lambda: "/startups/signaux-faibles/impact", "certified_by",
        "Coachs produit de la DINUM", "Pôle impact de la DINUM", _latest_impact_certifier,
        extra={"level": "certified", "certified_on": YESTERDAY.isoformat()},
    ),
    Case(
        "convention", "finance@demo.beta.gouv.fr", lambda: f"/funding/conventions/{_convention().id}/edit", "purpose",
        "Financer Signaux Faibles.", "Financer deux startups d’État.", lambda: _convention().purpose,
    ),
    Case(
        "convention status", "finance@demo.beta.gouv.fr", lambda: f"/funding/conventions/{_convention().id}/status",
        "note", "Clôturée après le dernier paiement.", "Clôturée à la fin de la période.",
        lambda: _convention().status_changes[-1].note if _convention().status == "closed" else None,
        extra={"status": "closed", "on": today_in_paris().isoformat()}, resubmit_saves=False,
    ),
    Case(
        "party", "finance@demo.beta.gouv.fr",
        lambda: f"/funding/conventions/{_convention().id}/parties/{_one(ConventionParty).id}/edit",
        "representative_name", "Claire Martin", "Paul Durand", lambda: _one(ConventionParty).representative_name,
    ),
    Case(
        "obligation", "finance@demo.beta.gouv.fr",
        lambda: f"/funding/conventions/{_convention().id}/obligations/{_one(Obligation).id}/edit",
        "description", "Chaque trimestre, un état des dépenses.", "Un compte rendu par trimestre échu.",
        lambda: _one(Obligation).description,
    ),
    Case(
        "funding line", "finance@demo.beta.gouv.fr",
        lambda: f"/funding/conventions/{_convention().id}/lines/{_one(FundingLine).id}/edit",
        "label", "Signaux Faibles — annexe", "Signaux Faibles (ligne corrigée)", lambda: _one(FundingLine).label,
    ),
    Case(
        "amendment", "finance@demo.beta.gouv.fr", lambda: f"/funding/conventions/{_convention().id}/amendments/new",
        "description", "Prolonge la convention d’un an.", "Ajoute une ligne pour 2022.",
        lambda: _convention().amendments[-1].description if _convention().amendments else None,
        resubmit_saves=False,
    ),
    Case(
        "meeting", "presidente@demo.beta.gouv.fr", _meeting_url("edit"), "location",
        "DGE, salle 2.14 bis", "DINUM, salle Lovelace", lambda: _one(Meeting).location,
    ),
    Case(
        "attendance", "presidente@demo.beta.gouv.fr", _meeting_url("attendance", held=True), "minutes",
        "Le comité a examiné deux startups.", "Séance consacrée aux budgets.",
        lambda: _one(Meeting, Meeting.source == "past").minutes,
    ),
    Case(
        "review slots", "presidente@demo.beta.gouv.fr", _review_url("slots"), "presentation",
        "12", "25", lambda: _review().presentation_minutes, expected_mine=12, expected_theirs=25,
    ),
    Case(
        "review minutes", "presidente@demo.beta.gouv.fr", _review_url("minutes", held=True), "minutes",
        "Usage en hausse.", "Usage stable, budget prolongé.", lambda: _review(held=True).minutes,
    ),
    Case(
        "preparation", "intrapreneur@demo.beta.gouv.fr", _review_url("preparation"), "objectives",
        "Couvrir toutes les régions.", "Ouvrir le service aux banques.",
        lambda: _review().preparation.objectives if _review().preparation else None,
    ),
    Case(
        "decision", "presidente@demo.beta.gouv.fr", _review_url("decision", held=True), "conditions",
        "Présenter l’usage par région.", "Présenter le coût par établissement.",
        lambda: _review(held=True).decision.conditions if _review(held=True).decision else None,
        extra={"outcome": "continue_6_months"},
    ),
]


def _post(client, url: str, fields: dict[str, list[str]], **changes):
    data = {**fields, **{name: [value] for name, value in changes.items()}}
    return client.post(url, data=data)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_form_submitted_over_a_newer_version_shows_the_conflict_and_saves_nothing(app, demo, make_user, case):
    url = case.url()
    db.session.commit()
    first = session_for(app, case.first, DEMO_PASSWORD)
    second = session_for(app, make_user("admin").email, PASSWORD)
    mine = edit_form_fields(first.get(url).get_data(as_text=True))
    theirs = edit_form_fields(second.get(url).get_data(as_text=True))
    assert mine["version"] == theirs["version"]

    saved = _post(first, url, mine, **case.extra, **{case.field: case.mine})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    expected_mine = case.expected_mine if case.expected_mine is not None else case.mine
    assert case.stored() == expected_mine
    events = audit_count()

    refused = _post(second, url, theirs, **case.extra, **{case.field: case.theirs})
    page = refused.get_data(as_text=True)

    assert refused.status_code == 409, page[:2000]
    assert CONFLICT in page and "Rien n’a été enregistré" in page
    assert "Garder la version enregistrée" in page and "Enregistrer ma version" in page
    # The field's row: the version stored meanwhile beside the one just submitted.
    assert (_shown(case.mine), _shown(case.theirs)) in conflict_rows(page).values(), conflict_rows(page)
    assert case.stored() == expected_mine, "the second submission saved something"
    assert audit_count() == events, "the refused submission left an audit event"

    resubmit = next(form for form in post_forms(page) if any(name == "version" for name, _ in form["fields"]))
    again = second.post(resubmit["action"], data=_multi(resubmit["fields"]))
    if case.resubmit_saves:
        assert again.status_code == 302, again.get_data(as_text=True)[:2000]
        expected_theirs = case.expected_theirs if case.expected_theirs is not None else case.theirs
        assert case.stored() == expected_theirs
        assert audit_count() > events
    else:  # the rules still apply to the re-sent version: a French refusal, nothing saved
        assert again.status_code == 422, again.get_data(as_text=True)[:2000]
        assert case.stored() == expected_mine
        assert audit_count() == events


def _multi(pairs) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


def _shown(value: str) -> str:
    """How the page writes a submitted value (dates the French way)."""
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def test_the_conflict_page_says_who_changed_the_field_and_keeping_it_reloads_the_stored_values(
    app, demo, make_user
):
    url = "/startups/signaux-faibles/edit"
    coach = session_for(app, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    admin = session_for(app, make_user("admin", name="Alice Admin").email, PASSWORD)
    mine, theirs = (edit_form_fields(client.get(url).get_data(as_text=True)) for client in (coach, admin))
    assert _post(admin, url, theirs, pitch="La version d’Alice.").status_code == 302
    page = _post(coach, url, mine, pitch="La version du coach.").get_data(as_text=True)
    assert "modifié par Alice Admin, le" in page
    keep = admin.get(url)
    assert keep.status_code == 200 and "La version d’Alice." in keep.get_data(as_text=True)
    changed = [set(after or {}) for after in db.session.scalars(select(AuditEvent.after))]
    assert changed and not any("version" in keys for keys in changed), "the version shows in the trail"


def test_a_relation_only_change_gives_the_startup_a_new_version(app, demo, make_user):
    """Sponsors alone changed: a form loaded before still sees a newer version."""
    url = "/startups/signaux-faibles/edit"
    admin = session_for(app, make_user("admin").email, PASSWORD)
    coach = session_for(app, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    theirs = edit_form_fields(admin.get(url).get_data(as_text=True))
    mine = edit_form_fields(coach.get(url).get_data(as_text=True))
    before = _one(Startup, Startup.slug == "signaux-faibles").version
    assert _post(admin, url, {**theirs, "sponsors": []}).status_code == 302
    assert _one(Startup, Startup.slug == "signaux-faibles").version == before + 1
    assert _post(coach, url, mine, pitch="Autre mission.").status_code == 409


def test_a_first_preparation_created_meanwhile_is_a_conflict_too(app, demo, make_user):
    committee()
    url = f"/governance/reviews/{_review().id}/preparation"
    intrapreneur = session_for(app, "intrapreneur@demo.beta.gouv.fr", DEMO_PASSWORD)
    chair = session_for(app, "presidente@demo.beta.gouv.fr", DEMO_PASSWORD)
    mine, theirs = (edit_form_fields(client.get(url).get_data(as_text=True)) for client in (intrapreneur, chair))
    assert mine["version"] == ["0"]
    assert _post(chair, url, theirs, objectives="Les objectifs de la présidente.").status_code == 302
    refused = _post(intrapreneur, url, mine, objectives="Mes objectifs.")
    assert refused.status_code == 409
    assert _review().preparation.objectives == "Les objectifs de la présidente."


def test_two_sessions_of_one_person_on_their_notification_preferences(app, make_user):
    user = make_user("coach", scope=None)
    url = "/preferences/notifications"
    tab_one, tab_two = session_for(app, user.email, PASSWORD), session_for(app, user.email, PASSWORD)
    assert _post(tab_one, url, edit_form_fields(tab_one.get(url).get_data(as_text=True)), mode="daily").status_code == 302
    # Both tabs now hold version 1 of the stored choice.
    one, two = (edit_form_fields(tab.get(url).get_data(as_text=True)) for tab in (tab_one, tab_two))
    assert _post(tab_one, url, one, mode="weekly").status_code == 302
    refused = _post(tab_two, url, two, mode="in_app")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)

    assert "Un récapitulatif hebdomadaire par courriel (le lundi)" in page
    assert "Uniquement dans l’application (aucun courriel)" in page
    assert _one(NotificationPreference).mode == "weekly"


def test_a_concurrent_write_between_the_check_and_the_flush_ends_on_the_conflict_page(
    app, demo, make_user, monkeypatch
):
    """Both requests passed the check: the UPDATE of the later one matches no row (StaleDataError), not a 500."""
    from portfolio.startups import views

    url = "/startups/signaux-faibles/edit"
    admin = session_for(app, make_user("admin").email, PASSWORD)
    fields = edit_form_fields(admin.get(url).get_data(as_text=True))
    events = audit_count()
    real_edit = views.operations.edit_startup

    def edit_after_someone_else(startup, **values):
        with db.engine.begin() as other:  # another worker commits its edit first
            other.execute(
                text("UPDATE startups SET pitch = 'Leur version', version = version + 1 WHERE slug = 'signaux-faibles'")
            )
        real_edit(startup, **values)

    monkeypatch.setattr(views.operations, "edit_startup", edit_after_someone_else)
    refused = _post(admin, url, fields, pitch="Ma version")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert CONFLICT in page and "Leur version" in page and "Ma version" in page
    assert _one(Startup, Startup.slug == "signaux-faibles").pitch == "Leur version"
    assert audit_count() == events


def test_an_invalid_submission_keeps_the_version_it_was_loaded_with(app, demo, make_user):
    url = "/startups/signaux-faibles/edit"
    admin = session_for(app, make_user("admin").email, PASSWORD)
    coach = session_for(app, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    mine = edit_form_fields(coach.get(url).get_data(as_text=True))
    theirs = edit_form_fields(admin.get(url).get_data(as_text=True))
    assert _post(admin, url, theirs, pitch="Nouvelle mission.").status_code == 302
    invalid = _post(coach, url, mine, name="")
    assert invalid.status_code == 422
    # The form shown again still carries the old version: fixing the name meets the conflict.
    again = edit_form_fields(invalid.get_data(as_text=True))
    assert again["version"] == mine["version"]
    assert _post(coach, url, again, name="Signaux Faibles").status_code == 409


def test_a_garbled_version_is_refused_like_a_stale_one(app, demo, make_user):
    url = "/startups/signaux-faibles/edit"
    admin = session_for(app, make_user("admin").email, PASSWORD)
    fields = edit_form_fields(admin.get(url).get_data(as_text=True))
    events = audit_count()
    refused = _post(admin, url, fields, version="-3", pitch="Une mission.")
    assert refused.status_code == 409 and CONFLICT in refused.get_data(as_text=True)
    assert _one(Startup, Startup.slug == "signaux-faibles").pitch != "Une mission."
    assert audit_count() == events


def test_a_phase_change_over_a_newer_version_of_the_startup_shows_the_phase_set_meanwhile(app, demo, make_user):
    url = "/startups/signaux-faibles/phase"
    db.session.commit()
    coach = session_for(app, "coach@demo.beta.gouv.fr", DEMO_PASSWORD)
    admin = session_for(app, make_user("admin").email, PASSWORD)
    mine, theirs = (edit_form_fields(client.get(url).get_data(as_text=True)) for client in (coach, admin))
    assert mine["version"] == theirs["version"]
    before = phase_span_on(startup("signaux-faibles").phase_spans, today_in_paris()).phase
    target = "consolidation" if before != "consolidation" else "acceleration"
    saved = _post(coach, url, mine, phase=target, reason="Décision du comité.", confirmed="1")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.expire_all()
    spans = len(startup("signaux-faibles").phase_spans)
    events = audit_count()

    other = "abandon"
    refused = _post(admin, url, theirs, phase=other, reason="Arrêt décidé.", confirmed="1")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and CONFLICT in page, page[:2000]
    rows = conflict_rows(page)
    assert rows["Nouvelle phase"] == ("En consolidation" if target == "consolidation" else "Accélération", "Arrêté")
    assert rows["Date du changement"][0] == f"{today_in_paris():%d/%m/%Y}"
    db.session.expire_all()
    assert len(startup("signaux-faibles").phase_spans) == spans and audit_count() == events


def test_a_document_uploaded_over_a_newer_version_of_the_convention_saves_nothing(app, demo, make_user):
    convention_id = _convention().id
    url = f"/funding/conventions/{convention_id}/document"
    db.session.commit()
    finance = session_for(app, "finance@demo.beta.gouv.fr", DEMO_PASSWORD)
    admin = session_for(app, make_user("admin").email, PASSWORD)
    mine, theirs = (edit_form_fields(client.get(url).get_data(as_text=True)) for client in (finance, admin))
    assert mine["version"] == theirs["version"]
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    saved = finance.post(url, data={**mine, "document": (BytesIO(pdf), "signee.pdf")})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert _convention().document_name == "signee.pdf"
    events = audit_count()

    refused = admin.post(url, data={**theirs, "document": (BytesIO(pdf), "autre.pdf")})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and CONFLICT in page and "Rien n’a été enregistré" in page, page[:2000]
    db.session.expire_all()
    assert _convention().document_name == "signee.pdf" and audit_count() == events
