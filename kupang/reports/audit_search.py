"""The audit log's filters: user, action, object kind, resident (by name or NIK), date range; export tables."""
from dataclasses import dataclass, field

from sqlalchemy import select

from ..audit import ACTION_LABELS, AuditLog
from ..extensions import db
from ..params import db_int
from ..registry.models import Resident
from ..registry.search import search_residents
from ..timeutil import format_datetime_wita, local_day_bounds
from . import access
from .audit_objects import KIND_LABELS
from .audit_text import describe
from .periods import parse_date
from .tables import Table

PAGE_SIZE = 50
EXPORT_MAX = 20000
RESIDENT_CHOICES = 20


@dataclass
class AuditFilters:
    """What the audit page was asked for, cleaned; `problems` holds Indonesian messages for bad input."""

    username: str = ""
    action: str = ""
    kind: str = ""
    object_id: str = ""  # from links of older pages (objek=user:5); never typed or shown
    resident_text: str = ""
    resident: Resident | None = None
    choices: list = field(default_factory=list)
    first: object = None
    last: object = None
    before: int | None = None
    problems: list = field(default_factory=list)

    def args(self):
        """Query arguments that repeat this search (for paging and export links)."""
        out = {"pengguna": self.username, "aksi": self.action,
               "objek": f"{self.kind}:{self.object_id}" if self.object_id else self.kind,
               "dari": self.first.isoformat() if self.first else "",
               "sampai": self.last.isoformat() if self.last else ""}
        if self.resident is not None:
            out["pid"] = self.resident.id
        elif self.resident_text:
            out["penduduk"] = self.resident_text
        return {k: v for k, v in out.items() if v}


def read_filters(args):
    """AuditFilters from the query string; a name or NIK is resolved to one resident or a list to choose from."""
    kind, _sep, object_id = (args.get("objek") or "").partition(":")
    f = AuditFilters(username=(args.get("pengguna") or "").strip().lower()[:80],
                     action=args.get("aksi") if args.get("aksi") in ACTION_LABELS else "",
                     kind=kind if kind in KIND_LABELS else "",
                     object_id=object_id[:64] if kind in KIND_LABELS else "",
                     resident_text=(args.get("penduduk") or "").strip()[:100],
                     before=args.get("sebelum", type=db_int))
    for name, attr in (("dari", "first"), ("sampai", "last")):
        text = args.get(name)
        if text:
            day = parse_date(text)
            if day is None:
                f.problems.append("Tanggal tidak dikenali; tulis tanggal-bulan-tahun, misalnya 28-11-2026.")
            setattr(f, attr, day)
    single = parse_date(args.get("tanggal"))  # one day, as older links say it
    if single and not (f.first or f.last):
        f.first = f.last = single
    if f.first and f.last and f.first > f.last:
        f.problems.append("Tanggal awal harus sebelum atau sama dengan tanggal akhir.")
        f.first, f.last = f.last, f.first
    chosen = args.get("pid", type=db_int)
    if chosen:
        f.resident = db.session.get(Resident, chosen)
    elif f.resident_text:
        found = search_residents(f.resident_text).rows[:RESIDENT_CHOICES]
        if len(found) == 1:
            f.resident = db.session.get(Resident, found[0].id)
        elif not found:
            f.problems.append(f"Tidak ada penduduk yang cocok dengan «{f.resident_text}».")
        else:
            f.choices = found
    return f


def statement(f):
    """The audit rows the filters select (without a resident: those go through access.access_rows)."""
    stmt = select(AuditLog)
    if f.username:
        stmt = stmt.where(AuditLog.username == f.username)
    if f.action:
        stmt = stmt.where(AuditLog.action == f.action)
    if f.kind:
        stmt = stmt.where(AuditLog.object_type == f.kind)
    if f.object_id:
        stmt = stmt.where(AuditLog.object_id == f.object_id)
    if f.first:
        stmt = stmt.where(AuditLog.at >= local_day_bounds(f.first)[0])
    if f.last:
        stmt = stmt.where(AuditLog.at < local_day_bounds(f.last)[1])
    return stmt.order_by(AuditLog.id.desc())


def rows(f, limit=PAGE_SIZE):
    """(rows of this page, whether older rows follow)."""
    if f.choices:
        return [], False
    if f.resident is not None:
        found = [r for r in access.access_rows(f.resident, f.first, f.last)
                 if (not f.username or r.username == f.username) and (not f.action or r.action == f.action)
                 and (not f.kind or r.object_type == f.kind) and (f.before is None or r.id < f.before)]
        return found[:limit], len(found) > limit
    stmt = statement(f)
    if f.before:
        stmt = stmt.where(AuditLog.id < f.before)
    found = db.session.scalars(stmt.limit(limit + 1)).all()
    return found[:limit], len(found) > limit


def export_table(described, title="Log audit"):
    """The rows as a table: time, user, action, object, from where, details."""
    return Table(title, ["Waktu (WITA)", "Pengguna", "Aksi", "Objek", "Dari alamat", "Rincian"],
                 [[format_datetime_wita(row.at), row.username or "-", label, named.text() if named else "-",
                   row.ip or "-", text] for row, label, named, text in described])


def export_rows(f):
    """Up to EXPORT_MAX rows described, for the download."""
    found, _more = rows(f, limit=EXPORT_MAX)
    return describe(found)
