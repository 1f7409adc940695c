"""Every export as a table written two ways from the same rows: CSV for machines and for
spreadsheets (UTF-8 with a byte-order mark, comma-separated, CRLF) and .xlsx with typed cells
(amounts and counts as numbers, dates as dates, codes as text) under French headers.

A column's kind says how each way writes its values:

| kind | CSV | .xlsx |
| --- | --- | --- |
| text | as is; a text starting with = + - @ gets a leading ' (never run as a formula) | a text cell |
| code | `="021813010101"`, so that a spreadsheet keeps it as text (leading zeros) | a text cell (format @) |
| amount | plain decimal with a dot, two decimals (`452900.00`) | a number (format # ##0,00) |
| integer | digits | a number |
| date | `YYYY-MM-DD` | a date (format jj/mm/aaaa) |
| flag | `oui` / `non` | `oui` / `non` |

Empty values (None) are empty cells both ways.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

KINDS = ("text", "code", "amount", "integer", "date", "flag")
FORMULA_STARTS = ("=", "+", "-", "@")
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    #: The CSV header (stable: documented in the README, read by programs).
    key: str
    #: The .xlsx header, in French.
    label: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[Any]]
    #: The .xlsx sheet's name (31 characters at most).
    title: str = "Export"


def guard_formula(text: str | None) -> str:
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ is one)."""
    text = text or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def csv_value(kind: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if kind == "code":
        return '="' + str(value).replace('"', '""') + '"'
    if kind == "amount":
        return f"{Decimal(value):.2f}"
    if kind == "integer":
        return str(int(value))
    if kind == "date":
        return _day(value).isoformat()
    if kind == "flag":
        return "oui" if value else "non"
    return guard_formula(str(value))


def csv_text(table: Table) -> str:
    """The CSV, byte-order mark included (a spreadsheet then reads it as UTF-8)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(column.key for column in table.columns)
    for row in table.rows:
        writer.writerow(csv_value(column.kind, value) for column, value in zip(table.columns, row, strict=True))
    return buffer.getvalue()


_FORMATS = {"code": "@", "amount": "#,##0.00", "integer": "0", "date": "DD/MM/YYYY"}


def _xlsx_value(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == "amount":
        return Decimal(value)
    if kind == "integer":
        return int(value)
    if kind == "date":
        return _day(value)
    if kind == "flag":
        return "oui" if value else "non"
    return str(value)


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]
    sheet.append([column.label for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(column.label) for column in table.columns]
    for row in table.rows:
        values = [_xlsx_value(column.kind, value) for column, value in zip(table.columns, row, strict=True)]
        sheet.append(values)
        for position, (column, cell) in enumerate(zip(table.columns, sheet[sheet.max_row])):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a text starting with "=" stays text, never a formula
            if column.kind in _FORMATS:
                cell.number_format = _FORMATS[column.kind]
            widths[position] = max(widths[position], len(str(cell.value or "")))
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def csv_response(table: Table, filename: str) -> Response:
    """`filename` without its extension."""
    return Response(csv_text(table), mimetype=CSV_MIMETYPE, headers=_attachment(f"{filename}.csv"))


def xlsx_response(table: Table, filename: str) -> Response:
    return Response(xlsx_bytes(table), mimetype=XLSX_MIMETYPE, headers=_attachment(f"{filename}.xlsx"))


def response(table: Table, filename: str, extension: str) -> Response:
    """The table as `extension` ("csv" or "xlsx")."""
    return xlsx_response(table, filename) if extension == "xlsx" else csv_response(table, filename)
