"""Residents out to .xlsx or .csv with the importer's own headers, so an export re-imports unchanged."""
import csv
import io
import tempfile
from datetime import date

from sqlalchemy import and_, func, or_, select

from ..extensions import db
from .importer.columns import FIELD_LABELS, FIELDS
from .importer.values import CODE_TABLES
from .masking import mask_nik
from .models import Family, Resident
from .search import SearchFilters, classify

BATCH = 1000
COLUMNS = (Resident.nik, Family.kk_number, Resident.name, Resident.sex, Resident.birth_place, Resident.birth_date,
           Resident.religion, Resident.marital_status, Resident.shdk, Resident.education, Resident.occupation_code,
           Resident.blood_type, Resident.citizenship, Resident.father_name, Resident.mother_name, Resident.address,
           Resident.rt, Resident.rw, Resident.life_status, Resident.phone)
TEXT_FIELDS = {"nik", "kk", "rt", "rw", "phone"}


def _like(value):
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _query_condition(query):
    """The search box as a condition: a NIK or KK (16 digits), a NIK/KK prefix, or words of the name."""
    kind, value = classify(query)
    if kind == "nik":
        return or_(Resident.nik == value, Family.kk_number == value)
    if kind in ("number", "short_number"):
        upper = value[:-1] + chr(ord(value[-1]) + 1)
        return or_(and_(Resident.nik >= value, Resident.nik < upper),
                   and_(Family.kk_number >= value, Family.kk_number < upper))
    if kind == "name":
        return and_(*(func.lower(Resident.name).like(_like(word), escape="\\") for word in value.split()))
    return None


def export_statement(query, filters):
    """The residents of the current search and filters, ordered by RW, RT, KK and place in the family."""
    filters = filters or SearchFilters()
    conditions = []
    if not filters.include_merged:
        conditions.append(Resident.merged_into_id.is_(None))
    for value, column in ((filters.rt, Resident.rt), (filters.rw, Resident.rw),
                          (filters.life_status, Resident.life_status)):
        if value:
            conditions.append(column == value)
    if filters.missing_nik:
        conditions.append(Resident.nik.is_(None))
    if filters.with_warnings:
        conditions.append(Resident.has_warnings.is_(True))
    condition = _query_condition(query)
    if condition is not None:
        conditions.append(condition)
    return (select(*COLUMNS).outerjoin(Family, Family.id == Resident.family_id).where(*conditions)
            .order_by(Resident.rw, Resident.rt, Family.kk_number, Resident.shdk, Resident.birth_date, Resident.id))


def count_residents(query, filters):
    """How many residents an export of this search would hold."""
    stmt = export_statement(query, filters).order_by(None).with_only_columns(func.count())
    return db.session.scalar(stmt)


def row_values(record, masked):
    """One resident as export values in FIELDS order: labels for codes, NIK/KK masked unless asked."""
    values = []
    for name, value in zip(FIELDS, record, strict=True):
        if name in ("nik", "kk"):
            value = (mask_nik(value) if masked else value) or ""
        elif name in CODE_TABLES:
            value = CODE_TABLES[name].label(value) if value is not None else ""
        elif value is None:
            value = ""
        values.append(value)
    return values


def iter_records(query, filters):
    """The residents to export, fetched in batches."""
    result = db.session.execute(export_statement(query, filters).execution_options(yield_per=BATCH))
    yield from result


def header():
    """The export header: the importer's own column names."""
    return [FIELD_LABELS[name] for name in FIELDS]


def csv_chunks(query, filters, masked):
    """The CSV (UTF-8 with BOM, ';' as Excel writes in an Indonesian locale), in chunks for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(header())
    for count, record in enumerate(iter_records(query, filters), start=1):
        values = row_values(record, masked)
        writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, date) else v for v in values])
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(query, filters, masked):
    """The workbook in a temporary file (rewound), written row by row so memory stays flat."""
    from openpyxl import Workbook  # here: openpyxl (~5 MB) loads only in a worker that writes a workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Penduduk")
    sheet.append(header())
    text_columns = {index for index, name in enumerate(FIELDS) if name in TEXT_FIELDS}
    for record in iter_records(query, filters):
        cells = []
        for index, value in enumerate(row_values(record, masked)):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            elif index in text_columns:
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to send_file, which closes it
    book.save(out)
    out.seek(0)
    return out
