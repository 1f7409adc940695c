"""Exports a spreadsheet opens right: every CSV starts with a UTF-8 byte-order mark and keeps codes
as text; LibreOffice (headless) converts each CSV with its accents intact and the codes' leading
zeros; each CSV has its .xlsx, whose cells read back typed (numbers, dates, text codes) under
French headers."""
import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from portfolio.core.exports import Column, Table, csv_text, xlsx_bytes

CSV_URLS = {
    "/startups/export.csv": "/startups/export.xlsx",
    "/governance/next-committees.csv": "/governance/next-committees/export.xlsx",
    "/funding/lines.csv": "/funding/lines/export.xlsx",
    "/funding/conventions.csv": "/funding/conventions/export.xlsx",
}
#: LibreOffice's CSV import options: comma, double quote, UTF-8 (character set 76) — what its import
#: dialog reads for a file that starts with a UTF-8 byte-order mark.
LIBREOFFICE_UTF8_CSV = "Text - txt - csv (StarCalc):44,34,76"


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin")
    login(user)
    return user


SAMPLE = Table(
    (
        Column("nom", "Nom"),
        Column("activite", "Activité", "code"),
        Column("ae", "AE (€)", "amount"),
        Column("annee", "Exercice", "integer"),
        Column("signee_le", "Signée le", "date"),
        Column("publiee", "Publiée", "flag"),
    ),
    [
        ("Délégation de gestion", "021813010101", Decimal("452900.00"), 2020, date(2020, 4, 6), True),
        ("=HYPERLINK(\"http://x\")", None, None, None, None, False),
    ],
    "Essai",
)


def test_the_csv_has_a_byte_order_mark_codes_as_text_and_neutralised_formulas():
    text = csv_text(SAMPLE)
    assert text.startswith("\ufeffnom,activite,ae,annee,signee_le,publiee\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[1] == ["Délégation de gestion", '="021813010101"', "452900.00", "2020", "2020-04-06", "oui"]
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "", "", "", "", "non"]


def test_the_xlsx_has_french_headers_and_typed_cells():
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(SAMPLE))).active
    assert sheet.title == "Essai"
    assert [cell.value for cell in sheet[1]] == ["Nom", "Activité", "AE (€)", "Exercice", "Signée le", "Publiée"]
    name, code, amount, year, signed, published = sheet[2]
    assert name.value == "Délégation de gestion"
    assert code.value == "021813010101" and code.data_type == "s" and code.number_format == "@"
    assert amount.value == 452900 and amount.data_type == "n"
    assert year.value == 2020 and year.data_type == "n"
    assert signed.value.date() == date(2020, 4, 6) and signed.is_date
    assert published.value == "oui"
    # A text that looks like a formula stays a text.
    assert sheet["A3"].value == "=HYPERLINK(\"http://x\")" and sheet["A3"].data_type == "s"


@pytest.mark.parametrize("url", CSV_URLS)
def test_every_csv_route_starts_with_a_byte_order_mark(app, demo, client, admin, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_funding_codes_are_kept_as_text_in_the_csv(app, demo, client, admin):
    rows = list(csv.DictReader(io.StringIO(client.get("/funding/lines.csv").get_data().decode("utf-8-sig"))))
    assert {row["activite"] for row in rows} == {'="021813010101"'}
    [convention] = csv.DictReader(io.StringIO(client.get("/funding/conventions.csv").get_data().decode("utf-8-sig")))
    assert convention["uo"].startswith('="') and convention["intitule"]


@pytest.mark.parametrize(("csv_url", "xlsx_url"), CSV_URLS.items())
def test_each_xlsx_has_the_csv_rows_under_french_headers(app, demo, client, admin, csv_url, xlsx_url):
    response = client.get(xlsx_url)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(csv.reader(io.StringIO(client.get(csv_url).get_data().decode("utf-8-sig"))))
    assert sheet.max_row == len(rows) > 1
    headers = [cell.value for cell in sheet[1]]
    assert len(headers) == len(rows[0]) and headers != rows[0]
    assert any(any(letter in header for letter in "éèàÉ’") or " " in header for header in headers)


def test_the_lines_xlsx_has_amounts_as_numbers_and_codes_as_text(app, demo, client, admin):
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/funding/lines/export.xlsx?on=2024-01-01").get_data())).active
    headers = [cell.value for cell in sheet[1]]
    row = dict(zip(headers, sheet[2]))
    assert row["CP (€)"].data_type == "n" and isinstance(row["CP (€)"].value, (int, float))
    assert row["Activité"].value == "021813010101" and row["Activité"].data_type == "s"
    assert row["Exercice"].value == 2020
    assert row["Montants au"].is_date and row["Montants au"].value.date() == date(2024, 1, 1)


def _libreoffice_reads(paths, out_dir, profile) -> None:
    subprocess.run(
        [
            shutil.which("soffice"), f"-env:UserInstallation=file://{profile}", "--headless",
            f"--infilter={LIBREOFFICE_UTF8_CSV}", "--convert-to", "xlsx", "--outdir", str(out_dir),
            *map(str, paths),
        ],
        check=True, capture_output=True, timeout=180,
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_each_csv_with_accents_and_leading_zeros_intact(app, demo, client, admin, tmp_path):
    written = {}
    for url in CSV_URLS:
        path = tmp_path / (url.strip("/").replace("/", "-"))
        path.write_bytes(client.get(url).get_data())
        written[path] = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    _libreoffice_reads(written, tmp_path / "out", tmp_path / "profile")
    accented = 0
    for path, rows in written.items():
        sheet = openpyxl.load_workbook(tmp_path / "out" / (path.stem + ".xlsx")).active
        read = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        assert read[0] == rows[0], f"{path.name}: the header lost its first bytes or its accents"
        for written_row, read_row in zip(rows, read, strict=True):
            for written_cell, read_cell in zip(written_row, read_row):
                if not written_cell.isascii():
                    accented += 1
                    assert read_cell == written_cell, f"{path.name}: {written_cell!r} read as {read_cell!r}"
        if path.stem == "funding-lines":
            column = rows[0].index("activite")
            assert all("021813010101" in row[column] for row in read[1:])
    assert accented > 10
