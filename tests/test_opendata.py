"""The public open-data page: the published conventions only, readable without an account, as a
page, two CSVs (opened by LibreOffice) and a JSON carrying the data.gouv.fr metadata."""
import csv
import io
import shutil

import openpyxl
import pytest
from sqlalchemy import select

from portfolio.audit.tracking import acting_as
from portfolio.extensions import db
from portfolio.funding import operations
from portfolio.startups.models import Startup

from test_exports import _libreoffice_reads

SEED = "SGMEF-DINUM-FTM-2020"
DRAFT = "BROUILLON-NON-PUBLIEE"


@pytest.fixture
def draft(app, demo):
    """A draft convention with one line for a demo startup: it must appear nowhere in the open data."""
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    with acting_as(label="test"):
        convention = operations.create_convention(reference=DRAFT, title="Convention en préparation", kind="partenariat")
        operations.add_line(convention, startup=startup, fiscal_year=2021, ae="999 999", cp="888 888", label="Projet secret")
        db.session.commit()


def test_the_page_shows_the_seed_convention_amounts_in_force_and_not_the_draft(client, draft):
    response = client.get("/donnees-ouvertes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert SEED in page
    assert "AE <strong data-testid=\"total-ae\">368\u202f000\u00a0€</strong>" in page
    assert "CP <strong data-testid=\"total-cp\">620\u202f900\u00a0€</strong>" in page
    assert "Licence Ouverte / Open Licence version 2.0" in page
    assert "https://www.etalab.gouv.fr/licence-ouverte-open-licence/" in page
    assert DRAFT not in page and "Projet secret" not in page and "999\u202f999" not in page


def test_the_json_carries_the_metadata_and_the_published_conventions_only(client, draft):
    response = client.get("/donnees-ouvertes/conventions.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    meta = data["metadata"]
    assert meta["licence"]["id"] == "lov2" and meta["title"] and meta["description"] and meta["producer"]
    assert meta["frequency"] and meta["date_des_donnees"]
    assert [convention["reference"] for convention in data["conventions"]] == [SEED]
    seed = data["conventions"][0]
    assert (seed["total_ae"], seed["total_cp"]) == ("368000.00", "620900.00")
    assert {party["role"] for party in seed["parties"]} >= {"Délégant", "Délégataire"}
    assert sum(float(line["ae"]) for line in seed["lignes"]) == 368000
    assert all(line["startup"] and line["exercice"] for line in seed["lignes"])


def _csv(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def test_the_csvs_hold_the_published_conventions_only(client, draft):
    conventions = _csv(client, "/donnees-ouvertes/conventions.csv")
    assert [(row["reference"], row["total_ae"], row["total_cp"]) for row in conventions] == [(SEED, "368000.00", "620900.00")]
    lines = _csv(client, "/donnees-ouvertes/lignes.csv")
    assert lines and {row["convention"] for row in lines} == {SEED}
    assert sum(float(row["cp"]) for row in lines) == 620900


def test_an_unpublished_convention_is_absent_and_closing_it_removes_it(client, demo):
    from datetime import date

    from portfolio.funding.models import Convention

    convention = db.session.scalar(select(Convention).where(Convention.reference == SEED))
    with acting_as(label="test"):
        operations.change_status(convention, "closed", date(2024, 1, 31), reason="Dernier paiement")
        db.session.commit()
    assert SEED not in client.get("/donnees-ouvertes").get_data(as_text=True)
    assert client.get("/donnees-ouvertes/conventions.json").get_json()["conventions"] == []
    assert _csv(client, "/donnees-ouvertes/lignes.csv") == []


def test_the_footer_links_to_the_open_data(client, demo):
    assert 'href="/donnees-ouvertes"' in client.get("/login").get_data(as_text=True)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_both_open_data_csvs(client, demo, tmp_path):
    written = {}
    for name in ("conventions.csv", "lignes.csv"):
        path = tmp_path / f"opendata-{name}"
        path.write_bytes(client.get(f"/donnees-ouvertes/{name}").get_data())
        written[path] = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    _libreoffice_reads(written, tmp_path / "out", tmp_path / "profile")
    for path, rows in written.items():
        sheet = openpyxl.load_workbook(tmp_path / "out" / (path.stem + ".xlsx")).active
        read = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        assert read[0] == rows[0] and len(read) == len(rows) > 1
