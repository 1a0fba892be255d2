"""Admin pages: letter types with a live preview of their text, signatories, number format and letterhead."""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import audit
from ..db import read_only
from ..extensions import db
from ..forms import select_choices
from ..queue.models import Service
from ..security import roles_required
from . import bp
from .forms import LetterSettingsForm, LetterTypeForm, SignatoryForm
from .logo import LOGO_MAX_BYTES, LogoProblem, current_logo, logo_data_uri, remove_logo, save_logo
from .models import LetterType, Signatory
from .office import SETTINGS, letter_setting, save_letter_settings
from .templating import (
    BLOCKS,
    LETTER_PLACEHOLDERS,
    OFFICE_PLACEHOLDERS,
    RESIDENT_PLACEHOLDERS,
    TemplateProblem,
    check_block,
    render_blocks,
    sample_context,
)
from .types import apply_type, check_number_format, fields_text, parse_fields


def _service_choices(form):
    services = db.session.scalars(select(Service).order_by(Service.sort_order, Service.id)).all()
    form.service_id.choices = select_choices({s.id: f"{s.prefix} · {s.name}" for s in services},
                                             blank="(tidak terkait layanan)")


def _settings_form():
    form = LetterSettingsForm(prefix="atur")
    if request.method == "GET" or not form.is_submitted():
        for key in SETTINGS:
            getattr(form, key).data = letter_setting(key)
    return form


def _placeholders():
    return {"penduduk": RESIDENT_PLACEHOLDERS, "surat": LETTER_PLACEHOLDERS, "kantor": OFFICE_PLACEHOLDERS}


@bp.route("/admin/surat")
@roles_required("admin")
def admin_index():
    """Letter types, signatories and the office's letter settings."""
    types = db.session.scalars(select(LetterType).order_by(LetterType.sort_order, LetterType.id)).all()
    signatories = db.session.scalars(select(Signatory).order_by(Signatory.id)).all()
    return render_template("letters/admin_index.html", types=types, signatories=signatories,
                           settings_form=_settings_form(), logo=logo_data_uri(current_logo()))


@bp.route("/admin/surat/pengaturan", methods=["POST"])
@roles_required("admin")
def admin_settings():
    """Save the number format, sequence scope and letterhead."""
    form = _settings_form()
    problem = None
    if form.validate():
        try:
            check_number_format(form.format.data.strip())
        except TemplateProblem as error:
            problem = str(error)
        else:
            changed = save_letter_settings({key: getattr(form, key).data for key in SETTINGS})
            if changed:
                audit.record("letter_settings_changed", "setting", "surat", changed=changed)
            db.session.commit()
            flash("Pengaturan surat disimpan.", "success")
            return redirect(url_for("letters.admin_index"), 303)
    db.session.rollback()
    flash(problem or "Periksa isian pengaturan surat.", "error")
    with read_only():
        types = db.session.scalars(select(LetterType).order_by(LetterType.sort_order, LetterType.id)).all()
        signatories = db.session.scalars(select(Signatory).order_by(Signatory.id)).all()
        return render_template("letters/admin_index.html", types=types, signatories=signatories,
                               settings_form=form, logo=logo_data_uri(current_logo())), 400


def _type_page(form, letter_type, problem=None, status=200):
    preview, preview_problem = _preview(form.data)
    return render_template("letters/admin_type_form.html", form=form, letter_type=letter_type, problem=problem,
                           preview=preview, preview_problem=preview_problem, placeholders=_placeholders()), status


def _preview(data):
    """(blocks, None) rendered with sample data, or (None, the Indonesian problem)."""
    try:
        names = [f["name"] for f in parse_fields(data.get("fields_text") or "")]
        for block, label in BLOCKS.items():
            check_block(data.get(block) or "", names, label)
        return render_blocks({b: data.get(b) or "" for b in BLOCKS}, sample_context(names)), None
    except TemplateProblem as error:
        return None, str(error)


@bp.route("/admin/surat/jenis/baru", methods=["GET", "POST"])
@bp.route("/admin/surat/jenis/<int:type_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_type(type_id=None):
    """Add or edit a letter type; text blocks are checked before anything is saved."""
    letter_type = None
    if type_id is not None:
        letter_type = db.session.get(LetterType, type_id)
        if letter_type is None:
            abort(404)
    form = LetterTypeForm(obj=letter_type) if request.method == "GET" else LetterTypeForm()
    _service_choices(form)
    if request.method == "GET":
        if letter_type is not None:
            form.fields_text.data = fields_text(letter_type.fields)
            form.requirements_text.data = "\n".join(letter_type.requirements)
        else:
            form.needs_nik.data, form.active.data = True, True
        return _type_page(form, letter_type)
    if not form.validate():
        db.session.rollback()
        with read_only():
            return _type_page(form, letter_type, "Periksa isian yang ditandai.", 400)
    target = letter_type or LetterType()
    try:
        apply_type(target, form.data)
    except TemplateProblem as error:
        db.session.rollback()
        with read_only():
            return _type_page(form, letter_type, f"Tidak disimpan. {error}", 400)
    if letter_type is None:
        db.session.add(target)
    db.session.flush()
    audit.record("letter_type_changed" if letter_type else "letter_type_created", "letter_type", target.id,
                 judul=target.title)
    db.session.commit()
    flash(f"Jenis surat {target.title} disimpan.", "success")
    return redirect(url_for("letters.admin_index"), 303)


@bp.route("/admin/surat/pratinjau", methods=["POST"])
@roles_required("admin")
def admin_preview():
    """htmx: the live preview of the text blocks being edited (sample data, nothing saved)."""
    preview, problem = _preview(request.form)
    db.session.rollback()
    with read_only():
        return render_template("letters/_type_preview.html", preview=preview, preview_problem=problem)


@bp.route("/admin/surat/penandatangan/baru", methods=["GET", "POST"])
@bp.route("/admin/surat/penandatangan/<int:signatory_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_signatory(signatory_id=None):
    """Add or edit a signatory."""
    signatory = None
    if signatory_id is not None:
        signatory = db.session.get(Signatory, signatory_id)
        if signatory is None:
            abort(404)
    form = SignatoryForm(obj=signatory)
    if request.method == "GET" and signatory is None:
        form.active.data = True
    if request.method == "POST":
        if form.validate():
            target = signatory or Signatory()
            target.name, target.nip = form.name.data.strip(), (form.nip.data or "").strip()
            target.position, target.prefix, target.active = form.position.data.strip(), form.prefix.data, \
                form.active.data
            if signatory is None:
                db.session.add(target)
            db.session.flush()
            audit.record("signatory_saved", "signatory", target.id, nama=target.name)
            db.session.commit()
            flash(f"Penandatangan {target.name} disimpan.", "success")
            return redirect(url_for("letters.admin_index"), 303)
        db.session.rollback()
        with read_only():
            return render_template("letters/admin_signatory.html", form=form, signatory=signatory), 400
    return render_template("letters/admin_signatory.html", form=form, signatory=signatory)


@bp.route("/admin/surat/logo", methods=["POST"])
@roles_required("admin")
def admin_logo():
    """Upload (PNG or SVG, at most 256 KB) or remove the letterhead's logo; letters already issued keep theirs."""
    if request.form.get("hapus") == "1":
        remove_logo()
        audit.record("letter_logo_changed", "setting", "surat.logo", removed=True)
        db.session.commit()
        flash("Logo dihapus dari kop surat berikutnya.", "success")
        return redirect(url_for("letters.admin_index"), 303)
    upload = request.files.get("logo")
    data = upload.read(LOGO_MAX_BYTES + 1) if upload else b""
    try:
        if not data:
            raise LogoProblem("Pilih berkas logo (PNG atau SVG) terlebih dahulu.")
        digest = save_logo(data)
    except LogoProblem as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("letters.admin_index"), 303)
    audit.record("letter_logo_changed", "setting", "surat.logo", sha256=digest)
    db.session.commit()
    flash("Logo kop surat disimpan; dipakai untuk surat yang diterbitkan mulai sekarang.", "success")
    return redirect(url_for("letters.admin_index"), 303)
