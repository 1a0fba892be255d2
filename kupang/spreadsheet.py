"""Cells the app writes into files people open in a spreadsheet program: never a live formula.

A value that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is taken for a formula (or a DDE
payload) by Excel and LibreOffice. OWASP's CSV-injection guidance: prefix such text with a single quote in
CSV; in .xlsx every text cell is written with the string type, so it is shown, never evaluated.
"""
import csv
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(value):
    """True for text a spreadsheet program would read as a formula or command."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value):
    """A value for a CSV cell: formula-like text gets a leading apostrophe; other values pass unchanged."""
    return "'" + value if is_formula_like(value) else value


def csv_date(value):
    """Dates as dd/mm/yyyy (how an Indonesian Excel reads them back); other values pass unchanged."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


class SafeCsvWriter:
    """csv.writer whose every cell goes through csv_safe (and dates through csv_date)."""

    def __init__(self, fh, delimiter=";"):
        self._writer = csv.writer(fh, delimiter=delimiter)

    def writerow(self, row):
        """Write one row of neutralised cells."""
        return self._writer.writerow([csv_safe(csv_date(value)) for value in row])

    def writerows(self, rows):
        """Write many rows."""
        for row in rows:
            self.writerow(row)


def xlsx_cell(sheet, value, number_format=None):
    """A write-only openpyxl cell; text is always stored as a string (never as a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def xlsx_row(sheet, values, text_columns=()):
    """A row of safe cells; columns in text_columns get the text number format '@'."""
    return [xlsx_cell(sheet, value, "@" if index in text_columns else None) for index, value in enumerate(values)]
