"""Admin pages of the queue: services (layanan), counters (loket) and paired devices (perangkat)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..security import roles_required
from ..settings import set_setting
from . import bp
from .devices import (
    DEVICE_KINDS,
    DeviceError,
    create_device,
    format_code,
    new_pairing_code,
    pairing_link,
    revoke_device,
)
from .forms import CounterForm, DeviceForm, ServiceForm
from .models import Counter, Device, Service
from .numbering import bump_marker, hours_label
from .views_kiosk import TICKET_WIDTH_SETTING, TICKET_WIDTHS, ticket_width

SERVICE_FIELDS = ("name", "prefix", "requirements", "opens_at", "closes_at", "daily_cap", "minutes_per_ticket",
                  "standard_minutes", "allow_priority", "active", "sort_order")


def apply_fields(obj, form, fields):
    """Copy form data onto a model; returns {field: [old, new]} for what changed."""
    changes = {}
    for name in fields:
        new = getattr(form, name).data
        old = getattr(obj, name, None)
        if old != new:
            changes[name] = [old, new]
            setattr(obj, name, new)
    return changes


def get_or_404(model, ident):
    """A row by primary key, or the 404 page."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


@bp.route("/admin/layanan")
@roles_required("admin")
def admin_services():
    """All services with their letter, hours, cap and counters."""
    services = db.session.scalars(select(Service).order_by(Service.sort_order, Service.prefix)).all()
    return render_template("queue/admin_services.html", services=services, hours_label=hours_label)


@bp.route("/admin/layanan/baru", methods=["GET", "POST"])
@roles_required("admin")
def admin_service_new():
    """Add a service."""
    form = ServiceForm()
    if form.validate_on_submit():
        service = Service()
        apply_fields(service, form, SERVICE_FIELDS)
        db.session.add(service)
        db.session.flush()
        audit.record("service_created", "service", service.id, name=service.name, prefix=service.prefix)
        db.session.commit()
        flash(f"Layanan {service.name} ({service.prefix}) ditambahkan.", "success")
        return redirect(url_for("queue.admin_services"), 303)
    return render_template("queue/admin_service_form.html", form=form, service=None), _status()


@bp.route("/admin/layanan/<int:service_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_service_edit(service_id):
    """Change a service; its letter change applies to tickets issued from now on."""
    service = get_or_404(Service, service_id)
    form = ServiceForm(service_id=service.id, obj=service)
    if form.validate_on_submit():
        changes = apply_fields(service, form, SERVICE_FIELDS)
        if changes:
            audit.record("service_changed", "service", service.id, **changes)
            bump_marker()
        db.session.commit()
        flash(f"Layanan {service.name} disimpan." if changes else "Tidak ada perubahan.", "success")
        return redirect(url_for("queue.admin_services"), 303)
    return render_template("queue/admin_service_form.html", form=form, service=service), _status()


@bp.route("/admin/loket")
@roles_required("admin")
def admin_counters():
    """All counters and the services each serves."""
    counters = db.session.scalars(select(Counter).order_by(Counter.number)).all()
    return render_template("queue/admin_counters.html", counters=counters)


def _save_counter(counter, form):
    changes = apply_fields(counter, form, ("number", "name", "active"))
    chosen = set(form.services.data)
    if {s.id for s in counter.services} != chosen:
        services = db.session.scalars(select(Service).where(Service.id.in_(chosen))).all()
        changes["services"] = [sorted(s.prefix for s in counter.services), sorted(s.prefix for s in services)]
        counter.services = list(services)
    return changes


@bp.route("/admin/loket/baru", methods=["GET", "POST"])
@roles_required("admin")
def admin_counter_new():
    """Add a counter."""
    form = CounterForm()
    if form.validate_on_submit():
        counter = Counter()
        _save_counter(counter, form)
        db.session.add(counter)
        db.session.flush()
        audit.record("counter_created", "counter", counter.id, number=counter.number,
                     services=sorted(s.prefix for s in counter.services))
        db.session.commit()
        flash(f"Loket {counter.number} ditambahkan.", "success")
        return redirect(url_for("queue.admin_counters"), 303)
    return render_template("queue/admin_counter_form.html", form=form, counter=None), _status()


@bp.route("/admin/loket/<int:counter_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_counter_edit(counter_id):
    """Change a counter's number, name, services or state."""
    counter = get_or_404(Counter, counter_id)
    form = CounterForm(counter_id=counter.id, obj=counter)
    if request.method == "GET":
        form.services.data = [s.id for s in counter.services]
    if form.validate_on_submit():
        changes = _save_counter(counter, form)
        if changes:
            audit.record("counter_changed", "counter", counter.id, **changes)
            bump_marker()
        db.session.commit()
        flash(f"Loket {counter.number} disimpan." if changes else "Tidak ada perubahan.", "success")
        return redirect(url_for("queue.admin_counters"), 303)
    return render_template("queue/admin_counter_form.html", form=form, counter=counter), _status()


@bp.route("/admin/perangkat/kertas", methods=["POST"])
@roles_required("admin")
def admin_ticket_width():
    """Choose the kiosk printer's paper width (58 or 80 mm) for every printed ticket."""
    value = request.form.get("width", "")
    if value not in {str(w) for w in TICKET_WIDTHS}:
        flash("Pilih lebar kertas 58 mm atau 80 mm.", "error")
        return redirect(url_for("queue.admin_devices"), 303)
    previous = set_setting(TICKET_WIDTH_SETTING, value)
    if previous != value:
        audit.record("setting_changed", "setting", TICKET_WIDTH_SETTING, old=previous, new=value)
    db.session.commit()
    flash(f"Tiket dicetak untuk kertas {value} mm.", "success")
    return redirect(url_for("queue.admin_devices"), 303)


def _devices_page(form, created=None, code=None, status=200):
    devices = db.session.scalars(select(Device).order_by(Device.revoked_at.is_not(None), Device.kind,
                                                         Device.name)).all()
    shown = None
    if created is not None:
        shown = {"device": created, "code": format_code(code), "link": pairing_link(code)}
    return render_template("queue/admin_devices.html", form=form, devices=devices, shown=shown,
                           kinds=DEVICE_KINDS, widths=TICKET_WIDTHS, width=ticket_width()), status


@bp.route("/admin/perangkat", methods=["GET", "POST"])
@roles_required("admin")
def admin_devices():
    """Kiosks and displays: add one (its pairing link and code are shown once), see when each was last seen."""
    form = DeviceForm()
    if form.validate_on_submit():
        try:
            device, code = create_device(form.kind.data, form.name.data, current_user)
        except DeviceError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            return _devices_page(DeviceForm(formdata=None), device, code)
    return _devices_page(form, status=_status())


@bp.route("/admin/perangkat/<int:device_id>/kode-baru", methods=["POST"])
@roles_required("admin")
def admin_device_new_code(device_id):
    """A new one-time pairing code for a device (after a browser was replaced); the old pairing ends."""
    device = get_or_404(Device, device_id)
    try:
        code = new_pairing_code(device, current_user)
    except DeviceError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("queue.admin_devices"), 303)
    db.session.commit()
    return _devices_page(DeviceForm(formdata=None), device, code)


@bp.route("/admin/perangkat/<int:device_id>/cabut", methods=["POST"])
@roles_required("admin")
def admin_device_revoke(device_id):
    """Revoke a device: it is cut off at its next request."""
    device = get_or_404(Device, device_id)
    revoke_device(device, current_user)
    db.session.commit()
    flash(f"{DEVICE_KINDS.get(device.kind, device.kind)} \"{device.name}\" dicabut.", "success")
    return redirect(url_for("queue.admin_devices"), 303)


def _status():
    return 400 if request.method == "POST" else 200
