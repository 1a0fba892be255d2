"""Family pages, the completeness report, suspected duplicates and merging (blueprint "registry")."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..db import begin_write
from ..extensions import db
from ..htmx import is_htmx, render_page_or_fragment
from ..params import db_int, page_number
from ..security import roles_required
from ..timeutil import now_utc, office_today
from . import bp, codes, completeness_export
from .completeness import completeness_report, counted_residents, headless_families, rt_list, rw_list
from .dismissals import DismissError, dismiss_pair
from .duplicates import (
    MergeError,
    StaleMerge,
    check_mergeable,
    field_choices,
    load_pair,
    merge_residents,
    pairs_in_area,
    suspected_pairs,
)
from .families import (
    FamilyError,
    UnknownKK,
    active_members,
    change_head,
    family_warnings,
    is_counted,
    move_member,
    shown_address,
    target_family,
)
from .masking import mask_nik
from .models import Family, Resident
from .nik import check_kk

VIEW_ROLES = ("clerk", "supervisor", "admin")
EDIT_ROLES = ("clerk", "admin")
PAGE_SIZE = 50
STALE_TEXT = "Data telah diubah oleh petugas lain pada saat yang sama. Muat ulang halaman lalu ulangi."


def can_edit():
    """Whether the current user may change families and merge records."""
    return current_user.role in EDIT_ROLES


def resident_url(resident_id):
    """Link to a resident's page (the registry core's endpoint when present)."""
    try:
        rule = next(iter(current_app.url_map.iter_rules("registry.resident")))
    except KeyError:
        return f"/penduduk/{resident_id}"
    argument = next(iter(rule.arguments), "resident_id")
    return url_for("registry.resident", **{argument: resident_id})


def search_url(**filters):
    """Link to the resident search with filters, or to our own list when the search page is absent."""
    filters = {k: v for k, v in filters.items() if v}
    if "registry.search" in current_app.view_functions:
        return url_for("registry.search", **filters)
    return url_for("registry.completeness_residents", **filters)


def area_arg(name):
    """An RT/RW query parameter as its 3-digit form ('3' -> '003'), or None."""
    value = (request.args.get(name) or "").strip()
    if value.isdigit() and len(value) <= 3:
        return value.zfill(3)
    return None


def filter_error():
    """An Indonesian message when an RT/RW filter is not a number of at most 3 digits (it is then ignored)."""
    bad = [name.upper() for name in ("rw", "rt") if (request.args.get(name) or "").strip()
           and area_arg(name) is None]
    if bad:
        return f"{' dan '.join(bad)} harus berupa angka 1 sampai 3 digit (misalnya 003); filter itu diabaikan."
    return None


def page_arg():
    """The 1-based page number from ?halaman=."""
    return page_number(request.args)


def template_context():
    """Helpers every page of this module uses."""
    return {"mask_nik": mask_nik, "resident_url": resident_url, "search_url": search_url, "codes": codes,
            "can_edit": can_edit(), "filter_error": filter_error()}


# --- family page ---------------------------------------------------------------------------------

def family_context(family, move=None, head=None):
    """What the family page and its members fragment show."""
    members = active_members(family.id)
    warnings = family_warnings(members)
    heads = [m for m in members if m.shdk == codes.SHDK_HEAD and is_counted(m)]
    former_heads = [m for m in members if m.shdk == codes.SHDK_HEAD and not is_counted(m)]
    address, address_from_head = shown_address(family, heads)
    return {**template_context(), "family": family, "members": members, "warnings": warnings, "heads": heads,
            "former_heads": former_heads, "address": address, "address_from_head": address_from_head,
            "can_choose_head": can_edit() and any(is_counted(m) for m in members),
            "warned_ids": {rid for w in warnings for rid in w.resident_ids},
            "move": move or {}, "head": head or {}}


def render_family(family, status=200, **state):
    """The family page, or its members fragment for htmx (with the flashes swapped out of band)."""
    context = family_context(family, **state)
    response = render_page_or_fragment("registry/family.html", "registry/_family_members.html",
                                       oob_flashes=is_htmx(), **context)
    response.status_code = 200 if is_htmx() else status
    return response


@bp.route("/keluarga/<int:family_id>")
@roles_required(*VIEW_ROLES)
def family(family_id):
    """A family (KK): members head first, consistency warnings, move and head forms. Audited."""
    found = db.get_or_404(Family, family_id)
    begin_write()
    audit.record("family_viewed", "family", found.id)
    db.session.commit()
    return render_family(found)


def member_of(family, resident_id):
    """A non-merged member of the family, or None."""
    resident = db.session.get(Resident, resident_id) if resident_id else None
    if resident is None or resident.family_id != family.id or resident.merged_into_id is not None:
        return None
    return resident


def shdk_arg(name):
    """An SHDK code from the form: None when left empty; raises FamilyError when unknown."""
    value = request.form.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) not in codes.SHDK:
        raise FamilyError("Hubungan dalam keluarga tidak dikenal.")
    return int(value)


def after_family_change(family, message):
    """Success: flash, then the fragment for htmx or a redirect to the page."""
    flash(message, "success")
    if is_htmx():
        return render_family(family)
    return redirect(url_for("registry.family", family_id=family.id), 303)


@bp.route("/keluarga/<int:family_id>/pindah", methods=["POST"])
@roles_required(*EDIT_ROLES)
def family_move(family_id):
    """Move a member to another KK (an existing one, or a new one when the clerk confirms)."""
    found = db.get_or_404(Family, family_id)
    form = request.form
    move = {"member_id": form.get("anggota", type=db_int), "kk": form.get("kk_tujuan", "").strip(),
            "shdk": form.get("shdk", "")}
    member = member_of(found, move["member_id"])
    try:
        if member is None:
            raise FamilyError("Pilih anggota keluarga yang akan dipindahkan.")
        shdk = shdk_arg("shdk")
        target = target_family(move["kk"], create=form.get("buat_baru") == "1", template=found)
        move_member(member, target, shdk, user=current_user, expected_version=form.get("versi", type=db_int))
        db.session.commit()
    except UnknownKK as error:
        db.session.rollback()
        return render_family(found, 422, move={**move, "error": str(error), "offer_create": True})
    except FamilyError as error:
        db.session.rollback()
        return render_family(found, 422, move={**move, "error": str(error)})
    except StaleDataError:
        db.session.rollback()
        return render_family(found, 409, move={**move, "error": STALE_TEXT})
    for warning in check_kk(target.kk_number).warnings:  # never blocking, but the clerk should see it
        flash(warning, "warning")
    return after_family_change(found, f"{member.name} dipindahkan ke KK {mask_nik(target.kk_number)}.")


@bp.route("/keluarga/<int:family_id>/kepala", methods=["POST"])
@roles_required(*EDIT_ROLES)
def family_head(family_id):
    """Make a member the head of the family; the former head gets the relationship chosen."""
    found = db.get_or_404(Family, family_id)
    head = {"member_id": request.form.get("kepala_baru", type=db_int), "old_shdk": request.form.get("shdk_lama", "")}
    member = member_of(found, head["member_id"])
    try:
        if member is None:
            raise FamilyError("Pilih anggota keluarga yang menjadi kepala keluarga.")
        change_head(found, member, shdk_arg("shdk_lama"), user=current_user)
        db.session.commit()
    except FamilyError as error:
        db.session.rollback()
        return render_family(found, 422, head={**head, "error": str(error)})
    except StaleDataError:
        db.session.rollback()
        return render_family(found, 409, head={**head, "error": STALE_TEXT})
    return after_family_change(found, f"{member.name} sekarang kepala keluarga.")


# --- completeness ----------------------------------------------------------------------------------

@bp.route("/kelengkapan")
@roles_required(*VIEW_ROLES)
def completeness():
    """Per RW/RT: residents, NIK recorded or missing, warnings, duplicates, families without a head."""
    rw = area_arg("rw")
    report = completeness_report(rw)
    return render_page_or_fragment("registry/completeness.html", "registry/_completeness_table.html",
                                   report=report, rw=rw, rws=rw_list(), printed_at=now_utc(), **template_context())


@bp.route("/kelengkapan/unduh")
@roles_required(*VIEW_ROLES)
def completeness_download():
    """The completeness table (of one RW when chosen) as .xlsx or .csv; numbers only, no personal data."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in completeness_export.FORMATS:
        from .. import render_error

        return render_error(400, "Pilih format .xlsx atau .csv.")
    rw = area_arg("rw")
    rows = completeness_export.report_rows(completeness_report(rw), current_app.config["KELURAHAN_NAME"], rw)
    name = f"kelengkapan-nik-{'rw-' + rw + '-' if rw else ''}{office_today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = Response(completeness_export.csv_bytes(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return send_file(completeness_export.xlsx_file(rows), mimetype=completeness_export.FORMATS["xlsx"],
                     as_attachment=True, download_name=name, max_age=0)


RESIDENT_LISTS = {
    "semua": ("Penduduk hidup", ()),
    "ber_nik": ("Penduduk dengan NIK tercatat", (Resident.nik.is_not(None),)),
    "tanpa_nik": ("Penduduk tanpa NIK", (Resident.nik.is_(None),)),
    "peringatan": ("Penduduk dengan peringatan data", (Resident.has_warnings.is_(True),)),
}


@bp.route("/kelengkapan/penduduk")
@roles_required(*VIEW_ROLES)
def completeness_residents():
    """The residents behind a number of the completeness page (NIK masked)."""
    kind = request.args.get("kategori", "semua")
    if request.args.get("tanpa_nik") == "1":
        kind = "tanpa_nik"
    elif request.args.get("peringatan") == "1":
        kind = "peringatan"
    title, conditions = RESIDENT_LISTS.get(kind, RESIDENT_LISTS["semua"])
    rw, rt, page = area_arg("rw"), area_arg("rt"), page_arg()
    stmt = select(Resident).where(*counted_residents(), *conditions)
    if rw:
        stmt = stmt.where(Resident.rw == rw)
    if rt:
        stmt = stmt.where(Resident.rt == rt)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Resident.name, Resident.id)
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("registry/completeness_residents.html", title=title, kind=kind, rows=rows,
                           total=total, rw=rw, rt=rt, current_page=page, pages=page_count(total),
                           **template_context())


@bp.route("/kelengkapan/keluarga-tanpa-kepala")
@roles_required(*VIEW_ROLES)
def headless_families_list():
    """Families that have living members but no living head."""
    rw, rt, page = area_arg("rw"), area_arg("rt"), page_arg()
    rows, total = headless_families(rw, rt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template("registry/headless_families.html", rows=rows, total=total, rw=rw, rt=rt,
                           current_page=page, pages=page_count(total), **template_context())


def page_count(total, size=PAGE_SIZE):
    """How many pages a list of `total` rows takes (at least 1)."""
    return max((total + size - 1) // size, 1)


# --- duplicates and merging -----------------------------------------------------------------------

@bp.route("/duplikat")
@roles_required(*VIEW_ROLES)
def duplicates():
    """Suspected duplicate pairs, optionally of one RW/RT, paged."""
    return render_duplicates(area_arg("rw"), area_arg("rt"), page_arg())


def render_duplicates(rw, rt, page, error=None, status=200):
    """The duplicates page (or its pairs fragment for htmx), with an error when a mark was refused."""
    pairs = pairs_in_area(suspected_pairs(), rw, rt)
    size = PAGE_SIZE // 2
    shown = pairs[(page - 1) * size: page * size]
    response = render_page_or_fragment("registry/duplicates.html", "registry/_duplicate_pairs.html",
                                       pairs=shown, total=len(pairs), rw=rw, rt=rt, current_page=page,
                                       pages=page_count(len(pairs), size), rws=rw_list(), rts=rt_list(rw),
                                       dismiss_error=error, oob_filters=is_htmx(), **template_context())
    response.status_code = status
    return response


@bp.route("/duplikat/bukan-ganda", methods=["POST"])
@roles_required(*EDIT_ROLES)
def duplicate_dismiss():
    """Mark a suspected pair as two different people: recorded, audited, never suggested again."""
    form = request.form
    a, b = form.get("a", type=db_int), form.get("b", type=db_int)
    back = {"rw": area_form("rw"), "rt": area_form("rt"), "halaman": form.get("halaman", type=db_int)}
    try:
        recorded = dismiss_pair(a, b, user=current_user, note=form.get("alasan", ""))
        db.session.commit()
    except DismissError as error:
        db.session.rollback()
        return render_duplicates(back["rw"], back["rt"], back["halaman"] or 1, error=str(error), status=422)
    if recorded:
        flash(f"Data #{min(a, b)} dan #{max(a, b)} ditandai bukan data ganda; pasangan ini tidak diusulkan lagi.",
              "success")
    else:
        flash("Pasangan ini sudah ditandai bukan data ganda sebelumnya; tidak ada yang diubah.", "info")
    return redirect(url_for("registry.duplicates", **{k: v for k, v in back.items() if v}), 303)


def area_form(name):
    """An RT/RW of a posted form as its 3-digit form, or None."""
    value = (request.form.get(name) or "").strip()
    return value.zfill(3) if value.isdigit() and len(value) <= 3 else None


def render_merge(keep=None, other=None, error=None, status=200, choices=None):
    """The side-by-side merge page, with an error when the merge was refused."""
    rows = field_choices(keep, other) if keep and other else []
    if choices:
        rows = [(*row[:5], choices.get(row[0], row[5])) for row in rows]
    return render_template("registry/merge.html", keep=keep, other=other, rows=rows, error=error,
                           **template_context()), status


@bp.route("/duplikat/gabung", methods=["GET", "POST"])
@roles_required(*VIEW_ROLES)
def merge():
    """GET: two records side by side with a choice per field. POST (clerk, admin): merge b into a."""
    a, b = request.values.get("a", type=db_int), request.values.get("b", type=db_int)
    if not a or not b:
        return render_merge(error="Pilih dua data penduduk yang akan digabungkan.", status=400)
    if request.method == "POST" and not can_edit():
        abort(403)
    if request.method == "POST":
        return merge_submit(a, b)
    try:
        keep, other = load_pair(a, b)
    except MergeError as error:
        return render_merge(error=str(error), status=404)
    record_comparison(keep, other)
    try:
        check_mergeable(keep, other)
    except MergeError as error:
        return render_merge(keep, other, error=str(error), status=422)
    return render_merge(keep, other)


def record_comparison(keep, other):
    """Opening the side-by-side page shows both residents' data: audited for each, like opening their pages."""
    begin_write()
    for first, second in ((keep, other), (other, keep)):
        audit.record("residents_compared", "resident", first.id, compared_with=second.id)
    db.session.commit()


def merge_submit(a, b):
    """Apply the clerk's choices; refusals and stale pages re-render with a clear message."""
    choices = {key[len("pilih_"):]: value for key, value in request.form.items() if key.startswith("pilih_")}
    versions = {a: request.form.get("versi_a", type=db_int), b: request.form.get("versi_b", type=db_int)}
    keep = other = None
    try:
        if any(value not in ("a", "b") for value in choices.values()):
            raise MergeError("Pilihan data tidak sah. Pilih nilai dari data A atau data B untuk setiap isian.")
        keep, other = load_pair(a, b, lock=True)
        merge_residents(keep, other, [n for n, v in choices.items() if v == "b"], user=current_user,
                        versions=versions)
        db.session.commit()
    except StaleMerge as error:
        db.session.rollback()
        keep, other = load_pair(a, b)
        return render_merge(keep, other, error=str(error), status=409)
    except StaleDataError:
        db.session.rollback()
        keep, other = load_pair(a, b)
        return render_merge(keep, other, error=STALE_TEXT, status=409)
    except MergeError as error:
        db.session.rollback()
        keep, other = (db.session.get(Resident, a), db.session.get(Resident, b))
        return render_merge(keep, other, error=str(error), status=422, choices=choices)
    flash(f"Data #{other.id} digabungkan ke data #{keep.id} ({keep.name}).", "success")
    return redirect(resident_url(keep.id), 303)
