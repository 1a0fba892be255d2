"""What the preview shows and the clerk downloads: summary JSON, the issue list, the rejected-rows file."""
import hashlib
from datetime import date, datetime, time

from ...spreadsheet import SafeCsvWriter, xlsx_cell
from ...timeutil import format_date_id
from ..masking import mask_nik
from .columns import FIELD_LABELS
from .values import CODE_TABLES, number_input

SAMPLE_ROWS = 10
SHOWN_ISSUES = 500
REASON_HEADER = "Alasan penolakan"
LEVEL_LABELS = {"error": "Galat", "warning": "Peringatan"}
NUMBER_FIELDS = ("nik", "kk")


def shown(name, value):
    """A field value as the preview shows it: codes as labels, numbers masked, dates as everywhere (12 Maret 1990)."""
    if value is None or value == "":
        return "-"
    if name in NUMBER_FIELDS:
        return mask_nik(value)
    if name in CODE_TABLES:
        return CODE_TABLES[name].label(value) or str(value)
    if isinstance(value, date):
        return format_date_id(value)
    return str(value)


def sample(row):
    """One row of a preview table."""
    item = {"line": row.line, "name": row.name or "-", "nik": shown("nik", row.nik), "kk": shown("kk", row.kk),
            "birth_date": shown("birth_date", row.birth_date),
            "rt_rw": f"{row.rt or '-'}/{row.rw or '-'}"}
    if row.changes:
        item["changes"] = [f"{FIELD_LABELS.get(name, name)}: {shown(name, old)} \u2192 {shown(name, new)}"
                           for name, (old, new) in row.changes.items()]
    if row.rejected:
        item["reason"] = row.reasons()
    return item


def iter_issues(plan):
    """(line, column, level, message) of every error and warning, in row order."""
    for row in plan.rows:
        for level, column, message in row.issues or ():
            yield row.line, column or "-", level, message


def rejected_fingerprint(plan):
    """A short hash of which rows were rejected and why (to see whether a re-check changed anything)."""
    digest = hashlib.sha256()
    for row in plan.rows:
        if row.rejected:
            digest.update(f"{row.line}:{row.reasons()}\n".encode())
    return digest.hexdigest()[:16]


def build_summary(plan):
    """The preview as a JSON-ready dict: counts, column use, notes, sample rows, the first issues."""
    counts = plan.counts()
    samples = {status: [] for status in ("new", "updated", "unchanged", "rejected")}
    for row in plan.rows:
        if len(samples[row.status]) < SAMPLE_ROWS:
            samples[row.status].append(sample(row))
    issues, total = [], 0
    for issue in iter_issues(plan):
        total += 1
        if len(issues) < SHOWN_ISSUES:
            issues.append(list(issue))
    header = plan.header
    columns = [[header.label(name), FIELD_LABELS.get(name, name)] for name in header.columns]
    return {"counts": counts, "notes": plan.notes, "columns": columns, "sheet": plan.sheet_name,
            "header_row": header.row_number, "samples": samples, "issues": issues, "issue_total": total,
            "new_families": len(plan.new_families), "rejected_fingerprint": rejected_fingerprint(plan)}


def write_issues_csv(plan, path):
    """Every error and warning as a CSV a spreadsheet opens directly (UTF-8 BOM, ';'); no cell is a formula."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = SafeCsvWriter(fh, delimiter=";")
        writer.writerow(["Baris", "Kolom", "Jenis", "Pesan"])
        for line, column, level, message in iter_issues(plan):
            writer.writerow([line, "" if column == "-" else column, LEVEL_LABELS[level], message])


def general_display(number):
    """A number as Excel's General format shows it in a cell: 5371050000000000 -> '5.37105E+15'."""
    if isinstance(number, int) and abs(number) < 10**11:
        return str(number)
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e11:
        return str(int(number))
    if isinstance(number, float) and abs(number) < 1e11:
        return f"{number:.10g}"
    mantissa, exponent = f"{number:.5E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def held_text(value):
    """A NIK/KK cell as it was held, as text: an intact number as its digits, a rounded one as Excel shows it.

    A number Excel has rounded (5.37105E+15) is never written back as 5371050000000000, which would look
    like a valid NIK.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value if value is None or isinstance(value, str) else str(value)
    text, _was_number = number_input(value)
    return text if isinstance(text, str) else general_display(value)


def written_value(value, number_column):
    """A cell of the rejected-rows file: NIK/KK and long numbers as text, times as text, dates as dates."""
    if number_column or (isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e11):
        return held_text(value)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, datetime) and value.time() == time():
        return value.date()
    return value


def write_rejected(source, plan, path):
    """Exactly the rejected rows, as uploaded (header row first), with a reason column added."""
    reasons = {row.line: row.reasons() for row in plan.rows if row.rejected}
    header = plan.header
    number_columns = {header.columns[name] for name in NUMBER_FIELDS if name in header.columns}
    width = len(header.texts)
    sheet = source.sheet_names().index(plan.sheet_name)
    rows = ((line, values) for line, values in source.rows(sheet) if line in reasons)
    if source.fmt == "csv":
        _write_rejected_csv(source, header, rows, reasons, width, path)
    else:
        _write_rejected_xlsx(header, rows, reasons, width, number_columns, path)


def rejected_extension(fmt):
    """The rejected rows of a CSV come back as CSV; of any workbook (.xlsx, .xls, .ods) as .xlsx."""
    return "csv" if fmt == "csv" else "xlsx"


def _padded(values, width):
    values = list(values[:width])
    return values + [None] * (width - len(values))


def _write_rejected_csv(source, header, rows, reasons, width, path):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = SafeCsvWriter(fh, delimiter=source.delimiter)
        writer.writerow([*_padded(header.texts, width), REASON_HEADER])
        for line, values in rows:
            writer.writerow([*("" if v is None else v for v in _padded(values, width)), reasons[line]])


def _write_rejected_xlsx(header, rows, reasons, width, number_columns, path):
    from openpyxl import Workbook  # here: openpyxl (~5 MB) loads only in a worker that writes a workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Baris ditolak")
    sheet.append([xlsx_cell(sheet, value) for value in [*_padded(header.texts, width), REASON_HEADER]])
    for line, values in rows:
        cells = []
        for index, value in enumerate(_padded(values, width)):
            value = written_value(value, index in number_columns)
            cells.append(xlsx_cell(sheet, value, "@" if isinstance(value, str) else None))
        cells.append(xlsx_cell(sheet, reasons[line]))
        sheet.append(cells)
    book.save(path)
