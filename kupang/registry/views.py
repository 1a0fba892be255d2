"""Registry views: resident search, resident page with audited NIK reveal, add, edit, life events."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth.models import User
from ..db import begin_write
from ..extensions import db
from ..htmx import add_vary, is_htmx, render_page_or_fragment
from ..layout import ALL_STAFF
from ..params import db_int, page_number
from ..security import roles_required
from . import bp, codes
from .disclosure import record_number_lookup
from .duplicates import record_in_use
from .forms import EventForm, ResidentForm
from .masking import mask_nik, masked_if_stored, unmask_number
from .models import Resident, ResidentChange
from .nik import normalise_number
from .residents import (
    CODE_LISTS,
    EDITABLE_FIELDS,
    FIELD_LABELS,
    ResidentError,
    VersionConflict,
    check_numbers,
    create_resident,
    display_value,
    record_event,
    update_resident,
    validate,
)
from .search import SearchFilters, classify, search_residents

EDIT_ROLES = ("admin", "clerk")


@bp.app_template_filter("mask_nik")
def mask_nik_filter(number):
    """Template filter: a NIK or KK number masked ('537105******0001')."""
    return mask_nik(number)


@bp.app_template_global("registry_value")
def registry_value(field_name, value):
    """Template helper: a stored resident value as shown (code labels, dates, '-')."""
    return display_value(field_name, value)


@bp.route("/penduduk")
@roles_required(*ALL_STAFF)
def search():
    """Find residents: NIK, NIK/KK prefix or name, with filters; the results fragment for htmx."""
    query = request.args.get("q", "")[:100]
    filters = SearchFilters.from_args(request.args)
    page = page_number(request.args)
    result = search_residents(query, filters, page)
    record_number_lookup(query, "pencarian penduduk")
    response = render_page_or_fragment("registry/search.html", "registry/_results.html", q=query,
                                       filters=filters, result=result, codes=codes, can_edit=can_edit(),
                                       page_url=page_url)
    if is_htmx() and classify(query)[0] in ("nik", "number"):
        # Numbers stay out of the address bar and the browser history of a shared PC.
        response.headers["HX-Push-Url"] = "false"
    return response


def page_url(number):
    """The current search with another page number."""
    args = request.args.to_dict()
    args["halaman"] = number
    return url_for("registry.search", **args)


def can_edit():
    """Whether the current user may add and edit residents (supervisors only read)."""
    return current_user.role in EDIT_ROLES


def family_url(family_id):
    """The family page (built by the family module) when it exists."""
    if "registry.family" in current_app.view_functions:
        return url_for("registry.family", family_id=family_id)
    return f"/keluarga/{family_id}"


def load_resident(resident_id):
    """The resident or 404."""
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        abort(404)
    return resident


def resident_context(resident, revealed=False):
    """Everything the resident page shows."""
    members = []
    if resident.family_id is not None:
        members = db.session.scalars(select(Resident).where(Resident.family_id == resident.family_id)
                                     .order_by(Resident.shdk, Resident.birth_date, Resident.id)).all()
    changes = db.session.execute(
        select(ResidentChange, User.username).outerjoin(User, User.id == ResidentChange.user_id)
        .where(ResidentChange.resident_id == resident.id)
        .order_by(ResidentChange.changed_at.desc(), ResidentChange.id.desc())).all()
    merged_into = record_in_use(resident) if resident.merged_into_id else None
    return dict(resident=resident, members=members, changes=changes, revealed=revealed, codes=codes,
                labels=FIELD_LABELS, code_lists=CODE_LISTS, can_edit=can_edit(), merged_into=merged_into,
                family_url=family_url(resident.family_id) if resident.family_id else None)


@bp.route("/penduduk/<int:resident_id>")
@roles_required(*ALL_STAFF)
def resident(resident_id):
    """A resident's page: all fields, family, events, history. Opening it is audited."""
    record = load_resident(resident_id)
    begin_write()
    audit.record("resident_viewed", "resident", record.id)
    db.session.commit()
    return render_template("registry/resident.html", **resident_context(record))


@bp.route("/penduduk/<int:resident_id>/tampilkan-nik", methods=["POST"])
@roles_required(*ALL_STAFF)
def resident_reveal(resident_id):
    """Show the full NIK and KK for this view only, and audit it (fragment for htmx, else the page)."""
    record = load_resident(resident_id)
    audit.record("resident_nik_revealed", "resident", record.id)
    db.session.commit()
    if is_htmx():
        response = current_app.make_response(render_template("registry/_reveal.html", resident=record,
                                                             revealed=True))
    else:
        response = current_app.make_response(render_template("registry/resident.html",
                                                             **resident_context(record, revealed=True)))
    return add_vary(response, "HX-Request")


def _form_page(form, record=None, report=None, conflict=None, revealed=False):
    warnings = report.warnings if report else {}
    if record is not None and not revealed:
        # The stored numbers are shown masked; only an audited reveal puts them in the form in full.
        form.nik.data = masked_if_stored(form.nik.data, record.nik)
        form.kk_number.data = masked_if_stored(form.kk_number.data, stored_kk(record))
    return render_template("registry/resident_form.html", form=form, resident=record, warnings=warnings,
                           conflict=conflict, labels=FIELD_LABELS, revealed=revealed)


def stored_kk(record):
    """The KK number of the resident's family, or None."""
    return record.family.kk_number if record is not None and record.family else None


def unmask_form(form, record):
    """Numbers left masked in the form mean the stored ones (saving never wipes a NIK the clerk did not see)."""
    form.nik.data = unmask_number(form.nik.data, record.nik)
    form.kk_number.data = unmask_number(form.kk_number.data, stored_kk(record))


def _attach_errors(form, error):
    for name, messages in error.errors.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = list(target.errors or []) + [m for m in messages if m not in (target.errors or [])]
        else:
            flash(" ".join(messages), "error")


def _refused(form, record=None):
    """A form the field parsers refused: the registry's rules run too, so every problem shows at once."""
    try:
        validate(form.resident_values(), form.kk_number.data, resident_id=getattr(record, "id", None))
    except ResidentError as error:
        fresh = {name: messages for name, messages in error.errors.items()
                 if not getattr(getattr(form, name, None), "errors", None)}
        _attach_errors(form, ResidentError(fresh))
    return _form_page(form, record), 422


@bp.route("/penduduk/baru", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def resident_new():
    """Add a resident; errors re-render the form with everything typed, warnings never block."""
    form = ResidentForm()
    if request.method == "GET":
        form.rt.data, form.rw.data = request.args.get("rt", ""), request.args.get("rw", "")
        return _form_page(form)
    if not form.validate():
        return _refused(form)
    try:
        record, report = create_resident(form.resident_values(), form.kk_number.data, user=current_user,
                                         kelurahan_code=current_app.config["KELURAHAN_CODE"])
        db.session.commit()
    except ResidentError as error:
        db.session.rollback()
        _attach_errors(form, error)
        return _form_page(form), 422
    _flash_saved(f"Data {record.name} disimpan.", report)
    return redirect(url_for("registry.resident", resident_id=record.id), 303)


def _flash_saved(message, report):
    warnings = [w for messages in report.warnings.values() for w in messages]
    flash(message, "success")
    if warnings:
        flash("Tersimpan dengan peringatan: " + " ".join(warnings), "warning")


@bp.route("/penduduk/<int:resident_id>/ubah", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def resident_edit(resident_id):
    """Edit a resident; a save based on an outdated version shows both versions and overwrites nothing."""
    record = load_resident(resident_id)
    if request.method == "GET":
        form = ResidentForm(obj=record, version=record.version)
        form.kk_number.data = stored_kk(record) or ""
        return _form_page(form, record, report=_current_warnings(record))
    form = ResidentForm()
    unmask_form(form, record)
    if not form.validate():
        return _refused(form, record)
    try:
        expected = posted_version(form)
        changed, report = update_resident(record, form.resident_values(), expected, form.kk_number.data,
                                          user=current_user)
        db.session.commit()
    except VersionConflict:
        db.session.rollback()
        current = db.session.get(Resident, resident_id)
        form.version.data = current.version
        return _form_page(form, current, conflict=conflict_rows(form, current)), 409
    except ResidentError as error:
        db.session.rollback()
        _attach_errors(form, error)
        return _form_page(form, record), 422
    _flash_saved(f"Perubahan data {record.name} disimpan." if changed else "Tidak ada perubahan.", report)
    return redirect(url_for("registry.resident", resident_id=resident_id), 303)


@bp.route("/penduduk/<int:resident_id>/ubah/tampilkan-nik", methods=["POST"])
@roles_required(*EDIT_ROLES)
def resident_edit_reveal(resident_id):
    """The edit form again, with what was typed kept and the stored NIK and KK in full; audited as a reveal."""
    record = load_resident(resident_id)
    form = ResidentForm()
    unmask_form(form, record)
    audit.record("resident_nik_revealed", "resident", record.id, where="formulir ubah data")
    db.session.commit()
    return _form_page(form, record, report=_current_warnings(record), revealed=True)


def posted_version(form):
    """The record version the form was opened on; a missing or garbled one never matches (0)."""
    value = str(form.version.data or "").strip()
    return int(value) if value.isdigit() else 0


def _current_warnings(record):
    return check_numbers(record.nik, stored_kk(record) or "", sex=record.sex, birth_date=record.birth_date,
                         resident_id=record.id)


def conflict_rows(form, current):
    """(label, what this clerk typed, what is stored now) for every field that differs; numbers masked."""
    rows = []
    typed = {**form.resident_values(), "kk_number": normalise_number(form.kk_number.data)}
    stored = {name: getattr(current, name) for name in EDITABLE_FIELDS}
    stored["kk_number"] = current.family.kk_number if current.family else None
    for name in (*EDITABLE_FIELDS, "kk_number"):
        mine, theirs = typed.get(name), stored[name]
        if name in ("nik", "kk_number"):
            mine, theirs = normalise_number(mine), normalise_number(theirs)
            if mine != theirs:
                rows.append((FIELD_LABELS[name], mask_nik(mine) or "-", mask_nik(theirs) or "-"))
        elif display_value(name, mine) != display_value(name, theirs):
            rows.append((FIELD_LABELS[name], display_value(name, mine), display_value(name, theirs)))
    return rows


@bp.route("/penduduk/periksa", methods=["POST"])
@roles_required(*EDIT_ROLES)
def resident_check():
    """htmx: the NIK/KK messages of the form being typed (errors and warnings, numbers never echoed)."""
    form = ResidentForm()
    resident_id = request.form.get("resident_id", type=db_int)
    record = db.session.get(Resident, resident_id) if resident_id else None
    if record is not None:
        unmask_form(form, record)
    report = check_numbers(form.nik.data, form.kk_number.data, sex=form.sex.data,
                           birth_date=form.birth_date.data, resident_id=resident_id)
    return render_template("registry/_nik_field.html", report=report, oob=True)


@bp.route("/penduduk/<int:resident_id>/peristiwa", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def resident_event(resident_id):
    """Record a birth, death, move, disappearance ...: an event plus a status change, never a deletion."""
    record = load_resident(resident_id)
    form = EventForm() if request.method == "POST" else EventForm(version=record.version)
    if request.method == "POST" and form.validate():
        try:
            record_event(record, form.kind.data, form.event_date.data, form.note.data, user=current_user,
                         expected_version=posted_version(form))
            db.session.commit()
        except VersionConflict:
            db.session.rollback()
            flash("Data penduduk ini telah diubah oleh petugas lain. Periksa kembali lalu ulangi.", "error")
            return redirect(url_for("registry.resident", resident_id=resident_id), 303)
        except ResidentError as error:
            db.session.rollback()
            _attach_errors(form, error)
        else:
            flash(f"Peristiwa {codes.EVENT_KINDS[form.kind.data]} dicatat.", "success")
            return redirect(url_for("registry.resident", resident_id=resident_id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("registry/event_form.html", form=form, resident=record), status
