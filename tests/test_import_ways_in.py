"""Every way in validates alike: the registry importer refuses the links the forms refuse, reports the
archive entries it will not read and the folders it lacks, reads names as the archive wrote them, and
matches the sponsors older snapshots write out to organisations."""
import io
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.imports.betagouv import run_import
from portfolio.imports.report import ImportReport
from portfolio.imports.source import parse_registry, raw_files_from_directory, raw_files_from_zip
from portfolio.startups.models import Organisation, Startup

from conftest import post_form

REGISTRY = Path(__file__).resolve().parents[2] / "shared" / "data" / "betagouv"
TODAY = date(2026, 8, 20)
STARTUP = "---\ntitle: {title}\nmission: Aider\nincubator: dinum\n{more}phases:\n  - name: investigation\n    start: 2020-01-01\n---\nTexte.\n"
INCUBATOR = "---\ntitle: Incubateur de la DINUM\n---\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def startup_slugs(raw_files) -> list[str]:
    return sorted(file.slug for file in parse_registry(raw_files, ImportReport()).startups)


@pytest.mark.skipif(shutil.which("zip") is None, reason="Debian's zip is not installed")
def test_a_zip_made_by_debian_zip_reads_the_same_startups_as_the_folder(tmp_path):
    archive = tmp_path / "registre.zip"
    # Info-ZIP's zip stores the names' UTF-8 bytes without flagging them (read as cp437 they would give
    # "donn├⌐es-et-territoires", a startup the folder does not have).
    subprocess.run(["zip", "-qr", str(archive), REGISTRY.name], cwd=REGISTRY.parent, check=True)
    with zipfile.ZipFile(archive) as opened:
        unflagged = [info for info in opened.infolist() if not info.filename.isascii()]
        assert unflagged and not any(info.flag_bits & 0x800 for info in unflagged)

    from_zip = startup_slugs(raw_files_from_zip(archive.read_bytes()))

    assert from_zip == startup_slugs(raw_files_from_directory(REGISTRY))
    assert "données-et-territoires" in from_zip and "e-inspé" in from_zip


class UnflaggedEntry(zipfile.ZipInfo):
    """An entry whose name is written in `encoding` without the UTF-8 flag, as older tools do."""

    encoding = "cp437"

    def _encodeFilenameFlags(self):
        return self.filename.encode(self.encoding), self.flag_bits


def test_names_are_read_as_the_archive_says_utf8_flag_else_cp437_from_dos():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("registre/organisations/dinum.md", "registre/incubators/dinum.md", "registre/startups/données.md"):
            archive.writestr(name, STARTUP.format(title="x", more=""))  # non-ASCII: zipfile flags it UTF-8
        dos = UnflaggedEntry("registre/startups/café.md")
        dos.create_system = 0  # made on MS-DOS/Windows: its names are cp437
        archive.writestr(dos, STARTUP.format(title="y", more=""))

    names = sorted(file.name for file in raw_files_from_zip(buffer.getvalue()) if file.folder == "startups")

    assert names == ["café.md", "données.md"]


def test_archive_entries_outside_its_folder_are_reported_and_never_read(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("registre/organisations/dinum.md", "---\nname: DINUM\n---\n")
        archive.writestr("registre/incubators/dinum.md", INCUBATOR)
        archive.writestr("registre/startups/bonne.md", STARTUP.format(title="Bonne", more=""))
        archive.writestr("registre/startups/../../startups/evadee.md", STARTUP.format(title="Évadée", more=""))
        archive.writestr("../startups/dehors.md", STARTUP.format(title="Dehors", more=""))

    report = run_import(raw_files_from_zip(buffer.getvalue()), source="registre.zip", today=TODAY)

    outside = sorted(anomaly.file for anomaly in report.anomalies if anomaly.kind == "unsafe_path")
    assert outside == ["../startups/dehors.md", "registre/startups/../../startups/evadee.md"]
    assert report.files_read == 3
    assert db.session.scalars(select(Startup.slug)).all() == ["bonne"]


def test_an_older_snapshot_with_sponsors_written_out_and_no_organisations_imports_its_sponsors(app, tmp_path):
    db.session.add(Organisation(slug="dge", name="Direction générale des entreprises", acronym="DGE"))
    db.session.commit()
    root = write(tmp_path, {
        "incubators/dinum.md": INCUBATOR,
        "startups/ancienne.md": STARTUP.format(
            title="Ancienne",
            more="sponsors:\n  - name: Direction Générale des Entreprises\n    acronym: dge\n"
                 "  - name: Agence nationale de la cohésion des territoires\n    acronym: ANCT\n"
                 "  - acronym: ANCT\n",
        ),
        "startups/par-nom.md": STARTUP.format(title="Par nom", more="sponsors:\n  - name: direction generale des entreprises\n"),
    })

    report = run_import(raw_files_from_directory(root), source=str(root), today=TODAY)

    assert [(a.file, a.kind) for a in report.anomalies if a.kind == "missing_folder"] == [("organisations/", "missing_folder")]
    ancienne = db.session.scalar(select(Startup).where(Startup.slug == "ancienne"))
    assert sorted(link.organisation.slug for link in ancienne.sponsorships) == ["anct", "dge"]
    anct = db.session.scalar(select(Organisation).where(Organisation.slug == "anct"))
    assert (anct.name, anct.acronym) == ("Agence nationale de la cohésion des territoires", "ANCT")
    par_nom = db.session.scalar(select(Startup).where(Startup.slug == "par-nom"))
    assert [link.organisation.slug for link in par_nom.sponsorships] == ["dge"]
    # A second run finds the same organisations: nothing new.
    again = run_import(raw_files_from_directory(root), source=str(root), today=TODAY)
    assert again.records["organisations"].created == 0 and again.records["sponsorships"].created == 0


def test_a_javascript_link_from_the_registry_is_reported_never_stored_nor_linked(app, client, tmp_path, make_user, login):
    root = write(tmp_path, {
        "organisations/dinum.md": "---\nname: DINUM\n---\n",
        "incubators/dinum.md": INCUBATOR,
        "startups/piegee.md": STARTUP.format(
            title="Piégée", more="link: javascript:alert(1)\nrepository: 'data:text/html,<script>alert(1)</script>'\n"
                                  "stats_url: https://stats.exemple.fr\n"),
    })

    report = run_import(raw_files_from_directory(root), source=str(root), today=TODAY)

    refused = sorted(anomaly.detail for anomaly in report.anomalies if anomaly.kind == "unsafe_link")
    assert len(refused) == 2 and "javascript:" in refused[0] and "data:" in refused[1]
    startup = db.session.scalar(select(Startup).where(Startup.slug == "piegee"))
    assert (startup.website, startup.repository, startup.stats_url) == (None, None, "https://stats.exemple.fr")
    # A link stored before this rule (or by any other way) is shown as text, never as an href.
    startup.budget_url = "javascript:alert(2)"
    db.session.commit()
    login(make_user("admin"))
    page = client.get("/startups/piegee").get_data(as_text=True)
    assert 'href="https://stats.exemple.fr"' in page
    assert "javascript:alert(2)" in page and 'href="javascript:' not in page
    assert "javascript:" not in client.get("/api/startups/piegee").get_data(as_text=True)


@pytest.mark.parametrize("link", ["javascript://%0aalert(1)", "data:text/html,x", "exemple.fr"])
def test_the_startup_form_refuses_what_the_importer_refuses(app, client, demo, make_user, login, link):
    login(make_user("admin"))
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    before = startup.website
    response = post_form(client, "/startups/signaux-faibles/edit", {
        "name": startup.name, "incubator": str(startup.incubator_id), "website": link,
    })
    assert response.status_code == 422
    assert "Saisissez une adresse web complète" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Startup, startup.id).website == before
