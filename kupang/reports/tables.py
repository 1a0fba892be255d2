"""A report's figures as plain tables: the HTML under each chart and the .xlsx/.csv export use the same ones."""
import io
from dataclasses import dataclass, field

from flask import Response, current_app, send_file

from ..spreadsheet import SafeCsvWriter, xlsx_cell, xlsx_row

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMATS = tuple(MIME)


@dataclass
class Table:
    """A titled table: column headings, rows of values (numbers stay numbers), and an optional note."""

    title: str
    columns: list
    rows: list = field(default_factory=list)
    note: str = ""
    total: list | None = None  # a closing row (Jumlah), printed bold
    digits: int = 1  # decimals shown for fractions on the page (exports keep two)

    def all_rows(self):
        """The rows with the total row last."""
        return self.rows + ([self.total] if self.total else [])


def header_lines(report_title, period_label):
    """The lines every export starts with: office, report, period."""
    config = current_app.config
    return [config["OFFICE_NAME"], f"{config['KELURAHAN_PATH']}" if config.get("KELURAHAN_PATH") else "",
            report_title, f"Periode: {period_label}"]


def _sheet_name(title, used):
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Tabel"
    base, n = name, 2
    while name in used:
        suffix = f" {n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def write_xlsx(report_title, period_label, tables):
    """One sheet per table, each opening with the office header and the period; every text cell is text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        for line in header_lines(report_title, period_label) + [table.title]:
            sheet.append([xlsx_cell(sheet, line)])
        sheet.append([])
        sheet.append(xlsx_row(sheet, table.columns))
        for row in table.all_rows():
            sheet.append(xlsx_row(sheet, [_plain(value) for value in row]))
        if table.note:
            sheet.append([])
            sheet.append([xlsx_cell(sheet, table.note)])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def write_csv(report_title, period_label, tables):
    """All tables one after another (a blank line between), semicolon-separated, formula-safe, UTF-8 with BOM."""
    text = io.StringIO()
    text.write("\ufeff")
    writer = SafeCsvWriter(text)
    for line in header_lines(report_title, period_label):
        writer.writerow([line])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.columns)
        for row in table.all_rows():
            writer.writerow([_plain(value) for value in row])
        if table.note:
            writer.writerow([table.note])
    return text.getvalue()


def _plain(value):
    """Numbers as numbers (floats rounded to 2 places), None as an empty cell, the rest as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, int):
        return value
    return str(value)


def export_response(fmt, filename, report_title, period_label, tables):
    """The download of a report as .xlsx or .csv, never cached."""
    name = f"{filename}.{fmt}"
    if fmt == "xlsx":
        response = send_file(write_xlsx(report_title, period_label, tables), mimetype=MIME["xlsx"],
                             as_attachment=True, download_name=name, max_age=0)
    else:
        response = Response(write_csv(report_title, period_label, tables), mimetype=MIME["csv"])
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
