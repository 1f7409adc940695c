"""Import of the real beta.gouv.fr registry: completeness, idempotency, updates, the CLI and the upload page."""
import io
import json
import shutil
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.imports.betagouv import run_import
from portfolio.imports.source import RegistryError, raw_files_from_directory, raw_files_from_zip
from portfolio.startups.models import Incubator, Milestone, Organisation, PhaseSpan, Sponsorship, Startup
from portfolio.startups.phases import history_errors, phase_on, phase_on_query

from conftest import post_form

REGISTRY = Path(__file__).resolve().parents[2] / "shared" / "data" / "betagouv"
#: The registry's copy is dated 2026-08-20: "today" for the tests, so that future spans stay future.
REGISTRY_DAY = date(2026, 8, 20)
#: Anomalies of the real registry, counted by hand from the files (see SOURCE.md and the report).
REAL_ANOMALIES = {
    "stray_spaces": 65,  # 44 missions, 15 titles (one an incubator), 2 links, 2 repositories; 2 values of " " alone
    "unknown_owner": 1,  # incubators/menj.md: /organisations/menj does not exist (menjs does)
    "overlap": 17,
    "same_day_start": 58,
    "phase_after_abandon": 1,  # identite-numerique-agricole: investigation after abandon-investigation
    "future_span": 4,
    # anct-pni-36 and anct-pni-44: `link: https:&#x2F;&#x2F;…` (HTML-escaped), not a web address the form would take.
    "unsafe_link": 2,
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def startup(slug: str) -> Startup:
    return db.session.scalar(select(Startup).where(Startup.slug == slug))


def import_directory(path: Path, **options):
    return run_import(raw_files_from_directory(path), source=str(path), today=REGISTRY_DAY, **options)


def registry_subset(target: Path, startups: list[str]) -> Path:
    """A copy of the registry with every organisation and incubator and only the named startups."""
    for folder in ("organisations", "incubators"):
        shutil.copytree(REGISTRY / folder, target / folder)
    (target / "startups").mkdir()
    for slug in startups:
        shutil.copy(REGISTRY / "startups" / f"{slug}.md", target / "startups" / f"{slug}.md")
    return target


def zipped(root: Path, prefix: str = "betagouv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"{prefix}/{path.relative_to(root)}")
    return buffer.getvalue()


def test_the_real_registry_imports_completely_and_a_second_run_changes_nothing(app):
    report = import_directory(REGISTRY)

    assert report.files_read == 830
    assert (count(Startup), count(Incubator), count(Organisation)) == (662, 23, 145)
    assert report.records["startups"].created == 662
    assert report.records["phase_spans"].created == count(PhaseSpan) == 1695
    assert report.records["milestones"].created == count(Milestone) == 562
    assert report.anomalies_by_kind == REAL_ANOMALIES

    signaux = startup("signaux-faibles")
    assert signaux.name == "Signaux Faibles"
    assert signaux.incubator.slug == "dinum"
    assert sorted(s.organisation.slug for s in signaux.sponsorships) == ["acoss", "bdf", "dge", "dgefp", "dgfip", "dinum"]
    # investigation and construction both start on 15/05/2014: construction wins that day.
    assert [(s.phase, s.start, s.end) for s in signaux.phase_spans] == [
        ("investigation", date(2014, 5, 15), date(2014, 5, 15)),
        ("construction", date(2014, 5, 15), date(2019, 4, 1)),
        ("consolidation", date(2019, 4, 1), date(2025, 6, 22)),
        ("acceleration", date(2025, 6, 22), None),
    ]
    assert phase_on(signaux.phase_spans, date(2014, 5, 15)) == "construction"
    assert [(m.kind, m.date) for m in signaux.milestones] == [("product_launch", date(2017, 1, 1))]
    assert signaux.repository == "https://github.com/signaux-faibles"
    assert signaux.extra["techno"] == ["ruby", "terraform", "ansible", "docker", "go"]
    assert signaux.description.startswith("> Être proactif")
    # "Stale" reflects the registry: the latest dated fact, not the import.
    assert signaux.updated_at == datetime(2025, 6, 22, tzinfo=timezone.utc)
    ecobalyse = startup("ecobalyse")
    assert ecobalyse.incubator.slug == "mtes" and [c.incubator.slug for c in ecobalyse.co_incubations] == ["ademe"]
    assert db.session.get(Organisation, startup("demarches-simplifiees.fr").sponsorships[0].organisation_id)

    # Every stored history is valid, and SQL and Python agree on today's phase of each startup.
    startups = db.session.scalars(select(Startup)).all()
    assert [s.slug for s in startups if history_errors(s.phase_spans)] == []
    in_sql = {row.startup_id: row.phase for row in db.session.execute(phase_on_query(REGISTRY_DAY))}
    assert {s.id: phase_on(s.phase_spans, REGISTRY_DAY) for s in startups if s.id in in_sql} == in_sql

    # The 215 committee events of 101 startups become past committees (meeting, review, decision each).
    assert report.records["committee_reviews"].created == 215
    from portfolio.governance.models import Decision, Meeting, Review

    committee_rows = sum(db.session.scalar(select(func.count()).select_from(m)) for m in (Meeting, Review, Decision))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    created = sum(tally.created for kind, tally in report.records.items() if kind != "committee_reviews")
    assert events == created + committee_rows
    assert set(db.session.scalars(select(AuditEvent.actor_label).distinct())) == {"import betagouv"}

    again = import_directory(REGISTRY)
    assert not again.changed
    assert all(t.created == 0 and t.updated == 0 for t in again.records.values())
    assert again.records["startups"].unchanged == 662
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert "Rien n’a changé : la base était déjà à jour." in again.summary_lines()


def test_the_cli_imports_the_registry_shows_progress_and_prints_json(runner):
    result = runner.invoke(args=["import", "betagouv", str(REGISTRY), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["files_read"] == 830
    assert summary["startups"] == {"created": 662, "updated": 0, "unchanged": 0}
    assert summary["incubators"]["created"] == 23 and summary["organisations"]["created"] == 145
    assert summary["anomalies_by_kind"]["overlap"] == 17
    assert {"file": "incubators/menj.md", "kind": "unknown_owner", "action": "skipped"} in [
        {key: anomaly[key] for key in ("file", "kind", "action")} for anomaly in summary["anomalies"]
    ]
    assert "Lecture : 100/830 fichiers" in result.stderr
    assert "Enregistrement : 800/830 fiches" in result.stderr

    result = runner.invoke(args=["import", "betagouv", str(REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "Startups : 0 création, 0 mise à jour, 662 sans changement" in result.stdout
    assert "Rien n’a changé : la base était déjà à jour." in result.stdout
    assert "incubators/menj.md : Organisation propriétaire inconnue (unknown_owner)" in result.stdout
    assert "Phases qui se chevauchent (overlap) : 17" in result.stdout


def test_the_cli_refuses_a_folder_that_is_not_a_registry(runner, tmp_path):
    (tmp_path / "startups").mkdir()
    result = runner.invoke(args=["import", "betagouv", str(tmp_path)])
    assert result.exit_code == 1
    assert "ne contient pas les dossiers attendus du registre (il manque incubators/)" in result.output
    assert count(Startup) == 0


def test_the_cli_reads_a_zip_and_simulates_without_saving(runner, tmp_path):
    archive = tmp_path / "registre.zip"
    archive.write_bytes(zipped(registry_subset(tmp_path / "registre", ["signaux-faibles"])))
    result = runner.invoke(args=["import", "betagouv", str(archive), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Startups : 1 création" in result.stdout and "Simulation : rien n’a été enregistré." in result.stdout
    assert count(Startup) == count(Organisation) == count(AuditEvent) == 0


def test_a_newer_version_updates_what_changed_and_keeps_local_data(app, tmp_path):
    root = registry_subset(tmp_path, ["signaux-faibles", "aidantsconnect"])
    import_directory(root)
    signaux = startup("signaux-faibles")
    # Local data: a milestone, a sponsor and a planned phase that the registry does not know.
    signaux.milestones.append(Milestone(kind="scale_up", date=date(2026, 1, 5), title="Déploiement national"))
    signaux.sponsorships.append(Sponsorship(organisation=db.session.scalar(select(Organisation).where(Organisation.slug == "anct"))))
    signaux.phase_spans[-1].end = date(2026, 7, 1)
    signaux.phase_spans.append(PhaseSpan(phase="consolidation", start=date(2026, 7, 1)))
    db.session.commit()
    events_before = count(AuditEvent)

    path = root / "startups" / "signaux-faibles.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("mission: Mieux cibler", "mission: Cibler")
    text = text.replace(
        "events:\n  - name: product_launch\n    date: 2017-01-01\n",
        "events:\n  - name: product_launch\n    date: 2017-01-01\n  - name: committee\n    date: 2026-03-02\n"
        "    comment: Comité d'investissement\n",
    )
    path.write_text(text, encoding="utf-8")
    report = import_directory(root)

    assert report.records["startups"].as_dict() == {"created": 0, "updated": 1, "unchanged": 1}
    assert report.records["milestones"].created == 1
    db.session.expire_all()
    signaux = startup("signaux-faibles")
    assert signaux.pitch.startswith("Cibler les interventions")
    assert [(m.kind, m.date, m.title) for m in signaux.milestones] == [
        ("product_launch", date(2017, 1, 1), "Lancement du produit"),
        ("scale_up", date(2026, 1, 5), "Déploiement national"),
        ("committee", date(2026, 3, 2), "Comité d'investissement"),
    ]
    assert "anct" in {s.organisation.slug for s in signaux.sponsorships}
    assert [(s.phase, s.end) for s in signaux.phase_spans[-2:]] == [("acceleration", date(2026, 7, 1)), ("consolidation", None)]
    assert signaux.updated_at == datetime(2026, 3, 2, tzinfo=timezone.utc)
    new_events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > 0).order_by(AuditEvent.id)).all()[events_before:]
    # The new committee event also becomes a past committee (meeting, review, decision).
    assert {(e.object_type, e.action) for e in new_events} == {
        ("startup", "update"), ("milestone", "create"), ("meeting", "create"), ("review", "create"), ("decision", "create")
    }
    assert {e.actor_label for e in new_events} == {"import betagouv"}
    pitch_change = next(e for e in new_events if e.object_type == "startup")
    assert pitch_change.before["pitch"].startswith("Mieux cibler") and pitch_change.after["pitch"].startswith("Cibler")

    assert not import_directory(root).changed


# --- The upload page ---------------------------------------------------------------------


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin")
    login(user)
    return user


def upload(client, data: bytes, name: str = "registre.zip", **fields):
    return post_form(
        client,
        "/admin/import",
        {"archive": (io.BytesIO(data), name), **fields},
        token_from="/admin/import",
        content_type="multipart/form-data",
    )


def test_an_admin_uploads_the_registry_and_sees_the_summary(client, demo, admin, tmp_path):
    page = client.get("/admin/import")
    assert page.status_code == 200 and "Importer le registre beta.gouv.fr" in page.get_data(as_text=True)

    response = upload(client, zipped(registry_subset(tmp_path, ["signaux-faibles", "aidantsconnect"])))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    # File names may break after their slashes and dots (<wbr>).
    assert "Import terminé." in html and "incubators/menj.md" in html.replace("<wbr>", "")
    assert count(Organisation) == 146  # the registry's 145 and the demo's sg-mef, kept
    assert db.session.scalar(select(func.count()).where(Startup.slug == "signaux-faibles")) == 1
    assert history_errors(startup("signaux-faibles").phase_spans) == []
    assert startup("aidantsconnect").sponsorships
    actors = set(db.session.scalars(select(AuditEvent.actor_label).where(AuditEvent.object_type == "phase_span")))
    assert admin.name in actors

    again = upload(client, zipped(tmp_path))
    assert "rien n’a changé, la base était déjà à jour" in again.get_data(as_text=True)


def test_a_simulated_upload_saves_nothing(client, admin, tmp_path):
    events = count(AuditEvent)
    response = upload(client, zipped(registry_subset(tmp_path, ["signaux-faibles"])), dry_run="y")
    assert response.status_code == 200
    assert "Simulation terminée : rien n’a été enregistré." in response.get_data(as_text=True)
    assert count(Startup) == count(Organisation) == 0 and count(AuditEvent) == events


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"ceci n'est pas une archive", "registre.zip", "Le fichier n’est pas une archive .zip lisible."),
        (b"title: x", "registre.txt", "Le fichier doit être une archive .zip."),
        (None, "registre.zip", "ne contient pas les dossiers attendus du registre"),
    ],
    ids=["not-a-zip", "not-a-zip-name", "no-registry-inside"],
)
def test_a_bad_file_is_refused_in_french_and_nothing_is_saved(client, admin, data, name, message):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("photos/vacances.md", "---\ntitle: x\n---\n")
        data = buffer.getvalue()
    events = count(AuditEvent)
    response = upload(client, data, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "Rien n’a été enregistré" in html
    assert count(Startup) == count(Organisation) == 0 and count(AuditEvent) == events


def test_an_upload_without_a_file_is_refused(client, admin):
    response = post_form(client, "/admin/import", {}, token_from="/admin/import")
    assert response.status_code == 422
    assert "Choisissez l’archive .zip du registre." in response.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"IMPORT_MAX_BYTES": 1000}])
def test_an_archive_above_the_size_limit_is_refused(client, admin, tmp_path):
    response = upload(client, zipped(registry_subset(tmp_path, ["signaux-faibles"])))
    assert response.status_code == 413
    assert "L’archive dépasse la taille autorisée (1000 octets)" in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_the_upload_needs_the_csrf_token(client, admin, tmp_path):
    response = client.post(
        "/admin/import",
        data={"archive": (io.BytesIO(zipped(registry_subset(tmp_path, ["signaux-faibles"]))), "registre.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(Startup) == 0


@pytest.mark.parametrize("role", [None, "coach", "finance", "committee_chair"])
def test_only_admins_reach_the_upload_page(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/admin/import").status_code == 403
    assert client.post("/admin/import").status_code == 403


def archive_of(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "---\nname: x\n---\n")
    return buffer.getvalue()


def test_an_archive_is_read_at_its_root_or_in_one_folder_and_mac_leftovers_are_ignored():
    names = ["organisations/dinum.md", "incubators/dinum.md", "startups/a.md"]
    assert [(f.folder, f.name) for f in raw_files_from_zip(archive_of(names))] == [
        ("organisations", "dinum.md"), ("incubators", "dinum.md"), ("startups", "a.md"),
    ]
    nested = [f"registre/{name}" for name in names] + ["__MACOSX/registre/startups/._a.md", "registre/startups/.DS_Store"]
    assert len(raw_files_from_zip(archive_of(nested))) == 3


def test_an_archive_with_two_registries_is_refused():
    names = ["organisations/dinum.md", "incubators/dinum.md", "startups/a.md"]
    with pytest.raises(RegistryError, match="plusieurs registres"):
        raw_files_from_zip(archive_of(names + [f"copie/{name}" for name in names]))
