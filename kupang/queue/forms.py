"""Forms of the queue core: services, counters, devices, pairing and the kiosk."""
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth.forms import strip
from ..extensions import db
from ..forms import REQUIRED, KupangForm, select_choices
from .devices import DEVICE_KINDS
from .models import Counter, Service

MAX_REQUIREMENTS = 2000


def upper(value):
    """Trim and upper-case a prefix letter."""
    return value.strip().upper() if isinstance(value, str) else value


def tidy_lines(value):
    """Requirements: trimmed lines, empty ones dropped."""
    if not isinstance(value, str):
        return value
    return "\n".join(line.strip() for line in value.splitlines() if line.strip())


class ServiceForm(KupangForm):
    """A service (layanan): name, prefix letter, requirements, hours, cap, priority, state, order."""

    name = StringField("Nama layanan", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)])
    prefix = StringField("Huruf awalan nomor", filters=[upper], validators=[
        DataRequired(REQUIRED), Regexp(r"^[A-Z]$", message="Awalan harus satu huruf A sampai Z.")])
    requirements = TextAreaField("Persyaratan (satu per baris)", filters=[tidy_lines],
                                 validators=[Length(max=MAX_REQUIREMENTS)])
    opens_at = TimeField("Jam buka", validators=[InputRequired(REQUIRED)])
    closes_at = TimeField("Jam tutup (nomor terakhir)", validators=[InputRequired(REQUIRED)])
    daily_cap = IntegerField("Kuota nomor per hari (kosongkan bila tanpa batas)", validators=[
        Optional(), NumberRange(1, 9999, message="Kuota harus antara 1 dan 9999.")])
    minutes_per_ticket = IntegerField("Perkiraan menit per nomor", default=5, validators=[
        InputRequired(REQUIRED), NumberRange(1, 240, message="Perkiraan harus antara 1 dan 240 menit.")])
    standard_minutes = IntegerField("Waktu layanan standar (menit, sejak ambil nomor sampai selesai)", validators=[
        Optional(), NumberRange(1, 1440, message="Waktu layanan standar harus antara 1 dan 1440 menit.")])
    allow_priority = BooleanField("Menerima antrian prioritas (lansia, disabilitas, ibu hamil/membawa anak)",
                                  default=True)
    active = BooleanField("Aktif (tampil di kiosk)", default=True)
    sort_order = IntegerField("Urutan tampil", default=0, validators=[
        InputRequired(REQUIRED), NumberRange(0, 999, message="Urutan harus antara 0 dan 999.")])

    def __init__(self, service_id=None, **kwargs):
        super().__init__(**kwargs)
        self._service_id = service_id

    def validate_prefix(self, field):
        """Each service has its own letter."""
        other = db.session.scalar(select(Service).where(Service.prefix == field.data))
        if other is not None and other.id != self._service_id:
            raise ValidationError(f"Huruf {field.data} sudah dipakai layanan {other.name}.")

    def validate_closes_at(self, field):
        """Closing comes after opening."""
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("Jam tutup harus setelah jam buka.")


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CounterForm(KupangForm):
    """A counter (loket): number, name, the services it serves, state."""

    number = IntegerField("Nomor loket", validators=[
        InputRequired(REQUIRED), NumberRange(1, 99, message="Nomor loket harus antara 1 dan 99.")])
    name = StringField("Nama / keterangan", filters=[strip], validators=[Length(max=60)])
    services = MultiCheckboxField("Layanan yang dilayani", coerce=int)
    active = BooleanField("Aktif", default=True)

    def __init__(self, counter_id=None, **kwargs):
        super().__init__(**kwargs)
        self._counter_id = counter_id
        self.services.choices = [
            SelectChoice(s.id, f"{s.prefix} · {s.name}")
            for s in db.session.scalars(select(Service).order_by(Service.sort_order, Service.prefix))
        ]

    def validate_number(self, field):
        """Counter numbers are unique."""
        other = db.session.scalar(select(Counter).where(Counter.number == field.data))
        if other is not None and other.id != self._counter_id:
            raise ValidationError(f"Loket {field.data} sudah ada.")

    def validate_services(self, field):
        """A counter serves at least one service."""
        if not field.data:
            raise ValidationError("Pilih minimal satu layanan.")


class DeviceForm(KupangForm):
    """A new kiosk or display."""

    kind = SelectField("Jenis perangkat", choices=select_choices(DEVICE_KINDS), validators=[DataRequired(REQUIRED)])
    name = StringField("Nama perangkat", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=60)],
                       description="Misalnya: Kiosk ruang tunggu, TV ruang tunggu")


class PairForm(KupangForm):
    """The one-time pairing code typed or followed on the device."""

    code = StringField("Kode pemasangan", filters=[strip], validators=[DataRequired(REQUIRED), Length(max=40)])


class KioskForm(KupangForm):
    """One tap on the kiosk: the service, an optional priority, and the page's one-time nonce."""

    service = IntegerField(validators=[InputRequired("Pilih layanan.")])
    priority = StringField(validators=[Optional(), Length(max=20)])
    nonce = StringField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,32}$")])
