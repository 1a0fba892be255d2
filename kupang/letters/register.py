"""The register of outgoing letters (buku agenda surat keluar): one query for the page, counts and exports."""
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..params import db_int
from ..registry.masking import mask_nik
from ..registry.models import Resident
from ..spreadsheet import SafeCsvWriter, xlsx_row
from ..timeutil import BULAN, local_day_bounds, parse_date_id, to_local
from .models import LETTER_STATUS, Letter, LetterType

PAGE_SIZE = 50
EXPORT_HEADER = ["Nomor surat", "Tanggal terbit", "Jenis surat", "Nama penduduk", "NIK (disamarkan)", "Status",
                 "Petugas", "Alasan pembatalan"]


@dataclass
class RegisterFilters:
    """What the register is narrowed to (from the query string)."""

    start: date | None = None
    end: date | None = None
    type_id: int | None = None
    status: str = ""
    clerk_id: int | None = None
    resident_id: int | None = None
    errors: tuple = ()

    @classmethod
    def from_args(cls, args):
        """Filters from ?dari=&sampai=&jenis=&status=&petugas=&penduduk=; bad dates become messages."""
        errors, dates = [], {}
        for name in ("dari", "sampai"):
            text = (args.get(name) or "").strip()
            if text:
                try:
                    dates[name] = parse_date_id(text)
                except ValueError as error:
                    errors.append(str(error))
        status = args.get("status") or ""
        return cls(start=dates.get("dari"), end=dates.get("sampai"), type_id=args.get("jenis", type=db_int),
                   status=status if status in LETTER_STATUS else "", clerk_id=args.get("petugas", type=db_int),
                   resident_id=args.get("penduduk", type=db_int), errors=tuple(errors))

    def query_args(self):
        """The filters as query-string values (for links and the export)."""
        out = {"dari": self.start and f"{self.start:%d-%m-%Y}", "sampai": self.end and f"{self.end:%d-%m-%Y}",
               "jenis": self.type_id, "status": self.status, "petugas": self.clerk_id, "penduduk": self.resident_id}
        return {key: value for key, value in out.items() if value}


def register_query(filters):
    """Letters with their type, resident name and NIK and clerk's name, newest first."""
    issued_or_created = db.func.coalesce(Letter.issued_at, Letter.created_at)
    stmt = (select(Letter, LetterType.title, Resident.name, Resident.nik, User.username)
            .join(LetterType, LetterType.id == Letter.type_id).join(Resident, Resident.id == Letter.resident_id)
            .outerjoin(User, User.id == db.func.coalesce(Letter.issued_by_id, Letter.created_by_id)))
    if filters.start:
        stmt = stmt.where(issued_or_created >= local_day_bounds(filters.start)[0])
    if filters.end:
        stmt = stmt.where(issued_or_created < local_day_bounds(filters.end)[1])
    if filters.type_id:
        stmt = stmt.where(Letter.type_id == filters.type_id)
    if filters.status:
        stmt = stmt.where(Letter.status == filters.status)
    if filters.clerk_id:
        stmt = stmt.where(db.func.coalesce(Letter.issued_by_id, Letter.created_by_id) == filters.clerk_id)
    if filters.resident_id:
        stmt = stmt.where(Letter.resident_id == filters.resident_id)
    return stmt.order_by(issued_or_created.desc(), Letter.id.desc())


def register_page(filters, page=1):
    """(rows, more) of one page of the register."""
    rows = db.session.execute(register_query(filters).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def monthly_counts(filters):
    """[(type title, {'Desember 2026': n, ...})] and the months, for issued and voided letters in the filters."""
    stmt = register_query(filters).where(Letter.issued_at.is_not(None))
    stmt = stmt.with_only_columns(LetterType.title, Letter.issued_at).order_by(None)
    table, months = {}, []
    for title, issued_at in db.session.execute(stmt):
        local = to_local(issued_at)
        month = (local.year, local.month)
        if month not in months:
            months.append(month)
        table.setdefault(title, {}).setdefault(month, 0)
        table[title][month] += 1
    months.sort()
    labels = [f"{BULAN[m - 1]} {y}" for y, m in months]
    return [(title, [counts.get(m, 0) for m in months], sum(counts.values()))
            for title, counts in sorted(table.items())], labels


def export_rows(filters):
    """The register's rows as exported: NIK masked, dates in WITA."""
    for letter, title, name, nik, username in db.session.execute(register_query(filters)):
        issued = to_local(letter.issued_at).replace(tzinfo=None) if letter.issued_at else None
        yield [letter.number or "(draf)", issued, title, name, mask_nik(nik) if nik else "",
               LETTER_STATUS[letter.status], username or "", letter.void_reason or ""]


def export_csv(filters):
    """The register as CSV bytes (formula-safe cells, ; separated, UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(export_rows(filters))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(filters):
    """The register as .xlsx bytes (every text cell stored as text, never a formula)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Agenda surat keluar")
    sheet.append(xlsx_row(sheet, EXPORT_HEADER))
    for row in export_rows(filters):
        sheet.append(xlsx_row(sheet, row, text_columns=(0, 4)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
