"""Residents out to .xlsx or .csv with the importer's own headers: exactly the rows the search shows.

The rows are the search's own query (search.matching_ids), never a copy of its rules; every cell goes
through kupang.spreadsheet, so text a spreadsheet would run as a formula (=, +, -, @, tab, CR) is text.
"""
import io
import tempfile

from sqlalchemy import func, select

from ..extensions import db
from ..spreadsheet import SafeCsvWriter, xlsx_row
from .importer.columns import FIELD_LABELS, FIELDS
from .importer.values import CODE_TABLES
from .masking import mask_nik
from .models import Family, Resident
from .search import SearchFilters, matching_ids

BATCH = 1000
COLUMNS = (Resident.nik, Family.kk_number, Resident.name, Resident.sex, Resident.birth_place, Resident.birth_date,
           Resident.religion, Resident.marital_status, Resident.shdk, Resident.education, Resident.occupation_code,
           Resident.blood_type, Resident.citizenship, Resident.father_name, Resident.mother_name, Resident.address,
           Resident.rt, Resident.rw, Resident.life_status, Resident.phone)
TEXT_FIELDS = {"nik", "kk", "rt", "rw", "phone"}


def export_statement(query, filters):
    """(the residents of the search and filters, ordered by RW, RT, KK and place in the family; bound values)."""
    ids, params = matching_ids(query, filters or SearchFilters())
    stmt = (select(Resident.id, *COLUMNS).outerjoin(Family, Family.id == Resident.family_id)
            .where(Resident.id.in_(ids))
            .order_by(Resident.rw, Resident.rt, Family.kk_number, Resident.shdk, Resident.birth_date, Resident.id))
    return stmt, params


def count_residents(query, filters):
    """How many residents an export of this search would hold (the search's total, uncapped)."""
    ids, params = matching_ids(query, filters or SearchFilters())
    return db.session.execute(select(func.count()).select_from(ids.subquery()), params).scalar()


def row_values(record, masked):
    """One resident as export values in FIELDS order: labels for codes, NIK/KK masked unless asked."""
    values = []
    for name, value in zip(FIELDS, record[1:], strict=True):
        if name in ("nik", "kk"):
            value = (mask_nik(value) if masked else value) or ""
        elif name in CODE_TABLES:
            value = CODE_TABLES[name].label(value) if value is not None else ""
        elif value is None:
            value = ""
        values.append(value)
    return values


def iter_records(query, filters):
    """The residents to export (id first, then COLUMNS), fetched in batches."""
    stmt, params = export_statement(query, filters)
    yield from db.session.execute(stmt.execution_options(yield_per=BATCH), params)


def header():
    """The export header: the importer's own column names."""
    return [FIELD_LABELS[name] for name in FIELDS]


def csv_chunks(query, filters, masked):
    """The CSV (UTF-8 with BOM, ';' as Excel writes in an Indonesian locale), in chunks for streaming."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(header())
    for count, record in enumerate(iter_records(query, filters), start=1):
        writer.writerow(row_values(record, masked))
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(query, filters, masked):
    """The workbook in a temporary file (rewound), written row by row so memory stays flat."""
    from openpyxl import Workbook  # here: openpyxl (~5 MB) loads only in a worker that writes a workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Penduduk")
    sheet.append(xlsx_row(sheet, header()))
    text_columns = {index for index, name in enumerate(FIELDS) if name in TEXT_FIELDS}
    for record in iter_records(query, filters):
        sheet.append(xlsx_row(sheet, row_values(record, masked), text_columns))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to send_file, which closes it
    book.save(out)
    out.seek(0)
    return out
