"""/laporan/penduduk: the monthly mutation report, the pyramid, breakdowns and NIK completeness over time."""
from flask import render_template, request

from ..security import roles_required
from ..timeutil import office_today
from . import bp, population, population_tables
from .periods import month_bounds, month_label, read_month
from .tables import FORMATS, export_response

REPORT_ROLES = ("admin", "supervisor")
TITLE = "Laporan kependudukan"


def section_content(section, year, month):
    """(tables, charts, period label) of one section."""
    today = office_today()
    if section == "mutasi":
        first, last = month_bounds(year, month)
        last = min(last, today)
        lines, total = population.monthly_balance(first, last)
        label = month_label(year, month)
        return [population_tables.mutation_table(lines, total, label)], {}, label
    if section == "piramida":
        bands, men, women, unknown = population.pyramid(today)
        return ([population_tables.pyramid_table(bands, men, women, unknown)],
                {"pyramid": population_tables.pyramid_chart(bands, men, women)}, _state_label(today))
    if section == "nik":
        table, chart = population_tables.nik_trend(today)
        return [table], {"trend": chart}, "12 bulan terakhir"
    return population_tables.breakdown_tables(), {}, _state_label(today)


@bp.route("/laporan/penduduk", endpoint="population_report")
@roles_required(*REPORT_ROLES)
def population_report_view():
    """One section of the population report (?bagian=mutasi|piramida|rincian|nik), printable and exportable."""
    section = request.args.get("bagian")
    section = section if section in population_tables.SECTIONS else "mutasi"
    year, month, error = read_month(request.args, default_previous=True)
    tables, charts, label = section_content(section, year, month)
    title = f"{TITLE}: {population_tables.SECTIONS[section]}"
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return export_response(fmt, f"laporan-penduduk-{section}", title, label, tables)
    today = office_today()
    return render_template("reports/population.html", title=title, section=section,
                           groups=[(t, 3 if n in ("start", "end") else 2) for n, t in population_tables.MOVE_COLUMNS],
                           sections=population_tables.SECTIONS, tables=tables, charts=charts, period_label=label,
                           month_value=f"{year:04d}-{month:02d}", max_month=f"{today.year:04d}-{today.month:02d}",
                           error=error), 400 if error else 200


def _state_label(today):
    from ..timeutil import format_date_id

    return f"Keadaan {format_date_id(today)}"
