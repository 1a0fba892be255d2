"""/kota: what the city shows the camat and the city: NIK completeness, sync, population, services, person lists."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ... import audit
from ...db import begin_write
from ...extensions import db
from ...params import page_number
from ...reports.periods import month_bounds, month_label, read_month
from ...security import roles_required
from ...timeutil import office_today
from .. import bp
from . import completeness, persons, population, services, tables
from .scope import (
    KECAMATAN,
    KOTA_ROLES,
    area_label,
    city_only,
    is_city,
    kecamatan_name,
    kecamatan_of,
    require_kecamatan,
    require_kelurahan,
    user_area,
    visible_kecamatan,
)


@bp.before_app_request
def city_home():
    """On the city server the home page of admins and supervisors is /kota (an office's home is unchanged)."""
    if request.endpoint == "dashboard.index" and is_city() and current_user.is_authenticated \
            and current_user.role in KOTA_ROLES and not current_user.must_change_password:
        return redirect(url_for("city.kota_index"))
    return None


KECAMATAN_ERROR = "Kecamatan tidak dikenal; ditampilkan seluruh wilayah Anda."


def kota_view(rule, endpoint):
    """Route a /kota page: city server only (404 on an office), admins and supervisors (clerks 403)."""

    def decorator(view):
        return bp.route(rule, endpoint=endpoint)(city_only(roles_required(*KOTA_ROLES)(view)))

    return decorator


def _month(args):
    """(year, month, first, last, label, error) of ?bulan= (this month by default), never past today."""
    today = office_today()
    year, month, error = read_month(args)
    first, last = month_bounds(year, month)
    return year, month, first, min(last, today), month_label(year, month), error


def _page(template, error=None, **context):
    """Render a /kota page (400 when a parameter was refused, the message shown in Indonesian)."""
    page = render_template(template, error=error, area=user_area(), area_label=area_label(user_area()),
                           kecamatan_name=kecamatan_name, kecamatan_list=list(KECAMATAN.items()), **context)
    return page, 400 if error else 200


@kota_view("/kota", "kota_index")
def index():
    """NIK completeness per kecamatan and for the city; when each office last synced and what still waits."""
    codes = visible_kecamatan()
    figures, city = completeness.city_figures(codes)
    return _page("city/kota_index.html", figures=figures, total=None if user_area() else city,
                 states=completeness.sync_states(codes), last_sync=tables.last_sync_text)


@kota_view("/kota/kecamatan/<code>", "kota_kecamatan")
def kecamatan(code):
    """One kecamatan's kelurahan with their NIK completeness (403 outside the user's area)."""
    require_kecamatan(code)
    lines, total = completeness.kelurahan_figures(code)
    return _page("city/kota_kecamatan.html", code=code, lines=lines, total=total)


@kota_view("/kota/kelurahan/<code>", "kota_kelurahan")
def kelurahan(code):
    """One kelurahan's RWs with their NIK completeness (403 outside the user's area)."""
    require_kelurahan(code)
    lines, total = completeness.rw_figures(code)
    names = completeness.office_names()
    return _page("city/kota_kelurahan.html", code=code, name=completeness.office_label(code, names),
                 kecamatan=kecamatan_of(code), lines=lines, total=total)


def _chosen_kecamatan(args):
    """(kecamatan or None, error): ?kecamatan= within the user's area; a kecamatan user always gets theirs."""
    area = user_area()
    chosen = (args.get("kecamatan") or "").strip()
    if not chosen:
        return area, None
    if chosen not in KECAMATAN or (area and chosen != area):
        return area, KECAMATAN_ERROR
    return chosen, None


@kota_view("/kota/penduduk", "kota_population")
def population_report():
    """Births, deaths, moves and population at month end, summed by kecamatan (or by kelurahan of one)."""
    today = office_today()
    year, month, month_error = read_month(request.args, default_previous=True)
    kecamatan_code, area_error = _chosen_kecamatan(request.args)
    lines, total, trend = population.monthly_report(year, month, today, kecamatan_code)
    scope = area_label(kecamatan_code)
    names = completeness.office_names()
    label = month_label(year, month)
    return _page("city/kota_tables.html", error=month_error or area_error, title="Laporan penduduk bulanan",
                 heading=f"Laporan penduduk bulanan: {scope}", month_value=f"{year:04d}-{month:02d}",
                 kecamatan_choice=kecamatan_code, endpoint="city.kota_population", label=label,
                 tables=[tables.population_table(lines, total, label, scope, bool(kecamatan_code), names),
                         tables.trend_table(trend, scope)])


def _service_page(title, build, endpoint):
    year, month, first, last, label, error = _month(request.args)
    names = completeness.office_names()
    table = build(first, last, visible_kecamatan(), names, label)
    return _page("city/kota_tables.html", error=error, title=title, heading=f"{title}: {area_label(user_area())}",
                 month_value=f"{year:04d}-{month:02d}", endpoint=endpoint, label=label, tables=[table],
                 kecamatan_choice=None)


@kota_view("/kota/antrian", "kota_queue")
def queue_report():
    """Queue performance per office this month: tickets, average wait and service, no-show share."""

    def build(first, last, codes, names, label):
        offices, total = services.queue_by_office(first, last, codes)
        return tables.queue_table(offices, total, names, label)

    return _service_page("Kinerja antrian per kelurahan", build, "city.kota_queue")


@kota_view("/kota/skm", "kota_skm")
def skm_report():
    """The SKM index per office this month (PermenPANRB 14/2017)."""

    def build(first, last, codes, names, label):
        offices, total = services.skm_by_office(first, last, codes)
        return tables.skm_table(offices, total, names, label)

    return _service_page("Survei kepuasan per kelurahan", build, "city.kota_skm")


@kota_view("/kota/surat", "kota_letters")
def letters_report():
    """Letters issued per type per office this month."""

    def build(first, last, codes, names, label):
        return tables.letters_table(services.letters_by_office(first, last, codes), names, label)

    return _service_page("Surat per jenis per kelurahan", build, "city.kota_letters")


def audit_list(name, page, keys):
    """Audit a person list shown (a write in a GET: the write transaction is begun first, then committed)."""
    begin_write()
    audit.record("city_residents_listed", "city_list", name, page=page, area=user_area() or "53.71",
                 records=keys, shown=len(keys))
    db.session.commit()


@kota_view("/kota/dua-kelurahan", "kota_shared")
def shared_list():
    """Residents registered active in two kelurahan (same NIK, hidup in both, no move out recorded)."""
    page = page_number(request.args)
    pairs = persons.shared_pairs(user_area())
    shown = pairs[(page - 1) * persons.PAGE_SIZE: page * persons.PAGE_SIZE]
    keys = [f"{r.office_code}:{r.row_id}" for pair in shown for r in (pair.first, pair.second)]
    audit_list("dua_kelurahan", page, keys)
    return _page("city/kota_shared.html", pairs=shown, total=len(pairs), page=page,
                 pages=max(1, -(-len(pairs) // persons.PAGE_SIZE)), names=completeness.office_names(),
                 user=current_user)


@kota_view("/kota/pindah", "kota_moves")
def moves_list():
    """Moves between kelurahan: a move out in one office and the same NIK's record in another."""
    page = page_number(request.args)
    found, total = persons.moves(user_area(), page)
    keys = [f"{r.office_code}:{r.row_id}" for move in found for r in (move.from_record, move.to_record)]
    audit_list("pindah_antar_kelurahan", page, keys)
    return _page("city/kota_moves.html", moves=found, total=total, page=page,
                 pages=max(1, -(-total // persons.PAGE_SIZE)), names=completeness.office_names())
