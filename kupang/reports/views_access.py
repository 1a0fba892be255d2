"""The access report for one resident (who saw my data), printable and exportable; supervisors and admins."""
from flask import abort, render_template, request

from .. import audit
from ..db import begin_write
from ..extensions import db
from ..registry.models import Resident
from ..security import roles_required
from ..timeutil import format_date_id, office_today
from . import access, bp
from .audit_objects import resident_named
from .audit_search import export_table
from .audit_text import describe
from .periods import parse_date, range_label
from .tables import FORMATS, export_response

TITLE = "Laporan riwayat akses data pribadi"
audit.ACTION_LABELS.update({
    "access_report_viewed": "Laporan riwayat akses seorang penduduk dibuka",
    "access_report_exported": "Laporan riwayat akses seorang penduduk diekspor",
})


def _range(args):
    """(first, last, label, error) from ?dari&sampai; without them, everything recorded."""
    first, last = parse_date(args.get("dari")), parse_date(args.get("sampai"))
    error = None
    if (args.get("dari") and first is None) or (args.get("sampai") and last is None):
        error = "Tanggal tidak dikenali; tulis tanggal-bulan-tahun, misalnya 28-11-2026."
    if first and last and first > last:
        error, first, last = "Tanggal awal harus sebelum atau sama dengan tanggal akhir.", last, first
    if first and last:
        label = range_label(first, last)
    elif first:
        label = f"sejak {format_date_id(first)}"
    elif last:
        label = f"sampai {format_date_id(last)}"
    else:
        label = f"seluruh catatan sampai {format_date_id(office_today())}"
    return first, last, label, error


@bp.route("/laporan/akses/<int:resident_id>", endpoint="access_report")
@roles_required("admin", "supervisor")
def access_report_view(resident_id):
    """Every view, reveal, edit, export, letter and import that touched one resident: who, when, from where."""
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    first, last, label, error = _range(request.args)
    described = describe(access.access_rows(resident, first, last))
    named = resident_named(resident)
    fmt = request.args.get("format")
    # Who looked at whom is itself personal data: opening or exporting the report is audited with the resident.
    begin_write()
    if fmt in FORMATS:
        audit.record("access_report_exported", "resident", resident.id, format=fmt, period=label)
    else:
        audit.record("access_report_viewed", "resident", resident.id, period=label)
    db.session.commit()
    if fmt in FORMATS:
        table = export_table(described, f"Riwayat akses: {named.name} ({named.extra})")
        table.columns.insert(2, "Jenis akses")
        for row, item in zip(table.rows, described, strict=True):
            row.insert(2, access.kind_of(item[0]))
        return export_response(fmt, "riwayat-akses", TITLE, label, [table])
    counts = {}
    for row, *_rest in described:
        kind = access.kind_of(row)
        counts[kind] = counts.get(kind, 0) + 1
    return render_template("reports/access.html", title=TITLE, resident=resident, named=named, rows=described,
                           kind_of=access.kind_of, counts=counts, period_label=label, error=error,
                           first=first, last=last), 400 if error else 200
