"""Forms of the resident pages: add/edit a resident, record a life event."""
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..forms import KupangForm, select_choices
from ..timeutil import DATE_INPUT_EXAMPLE, DATE_INPUT_PATTERN, parse_date_id
from . import codes
from .residents import FIELD_LABELS

EVENT_CHOICES = [SelectChoice(kind, label) for kind, label in codes.EVENT_KINDS.items()
                 if kind in ("lahir", "mati", "pindah_datang", "pindah_keluar", "hilang", "pergi", "koreksi")]


def optional_int(value):
    """'' or None -> None, otherwise int (select fields whose answer may be unknown)."""
    if value in (None, "", "None"):
        return None
    return int(value)


def choices(table, blank="- belum diisi -"):
    """Select choices from a code list, with a blank first entry."""
    return select_choices(table, blank)


class IndonesianDateField(DateField):
    """A date typed as tanggal-bulan-tahun in a text input (never the browser's own date picker, whose order
    follows the browser's language), parsed on the server with an Indonesian message for bad input."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", f"tanggal-bulan-tahun, mis. {DATE_INPUT_EXAMPLE}")
        super().__init__(label, validators, format="%d-%m-%Y", **kwargs)

    def process_formdata(self, valuelist):
        """Parse the date or say, in Indonesian, what is wrong."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_date_id(valuelist[0])
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def input_attributes(self):
        """What the text input needs: numeric keyboard on phones, the pattern, an example as placeholder."""
        return {"type": "text", "inputmode": "numeric", "autocomplete": "off", "pattern": DATE_INPUT_PATTERN,
                "placeholder": "hh-bb-tttt", "maxlength": 10}


class ResidentForm(KupangForm):
    """Add or edit a resident. NIK and KK are checked by residents.check_numbers, not here."""

    version = HiddenField()
    nik = StringField(FIELD_LABELS["nik"], validators=[Length(max=40, message="NIK terlalu panjang.")],
                      description="16 digit. Kosongkan bila belum diketahui (tercatat belum lengkap).")
    kk_number = StringField(FIELD_LABELS["kk_number"], validators=[Length(max=40, message="Nomor KK terlalu panjang.")],
                            description="16 digit. KK yang belum ada akan dibuat.")
    name = StringField(FIELD_LABELS["name"], validators=[
        InputRequired(message="Nama lengkap wajib diisi."), Length(max=120, message="Nama maksimal 120 karakter.")])
    sex = SelectField(FIELD_LABELS["sex"], choices=choices(codes.SEX, "- pilih -"), coerce=optional_int,
                      validate_choice=False)
    birth_place = StringField(FIELD_LABELS["birth_place"], validators=[Length(max=80)])
    birth_date = IndonesianDateField(FIELD_LABELS["birth_date"], validators=[Optional()])
    religion = SelectField(FIELD_LABELS["religion"], choices=choices(codes.RELIGION), coerce=optional_int)
    marital_status = SelectField(FIELD_LABELS["marital_status"], choices=choices(codes.MARITAL), coerce=optional_int)
    shdk = SelectField(FIELD_LABELS["shdk"], choices=choices(codes.SHDK), coerce=optional_int)
    education = SelectField(FIELD_LABELS["education"], choices=choices(codes.EDUCATION), coerce=optional_int)
    occupation_code = SelectField(FIELD_LABELS["occupation_code"], choices=choices(codes.OCCUPATIONS),
                                  coerce=optional_int)
    blood_type = SelectField(FIELD_LABELS["blood_type"], choices=choices(codes.BLOOD_TYPE), coerce=optional_int)
    citizenship = SelectField(FIELD_LABELS["citizenship"], choices=select_choices(codes.CITIZENSHIP),
                              coerce=optional_int, default=1)
    father_name = StringField(FIELD_LABELS["father_name"], validators=[Length(max=120)])
    mother_name = StringField(FIELD_LABELS["mother_name"], validators=[Length(max=120)])
    address = StringField(FIELD_LABELS["address"], validators=[Length(max=200)])
    rt = StringField(FIELD_LABELS["rt"], validators=[Length(max=3, message="RT paling banyak 3 digit.")])
    rw = StringField(FIELD_LABELS["rw"], validators=[Length(max=3, message="RW paling banyak 3 digit.")])
    phone = StringField(FIELD_LABELS["phone"], validators=[Length(max=20, message="Nomor telepon terlalu panjang.")])

    def resident_values(self):
        """The editable fields as a dict for residents.create_resident / update_resident."""
        from .residents import EDITABLE_FIELDS

        return {name: getattr(self, name).data for name in EDITABLE_FIELDS}


class EventForm(KupangForm):
    """Record a life event (birth, death, move, missing ...) on a resident."""

    version = HiddenField()
    kind = SelectField("Peristiwa", choices=[SelectChoice("", "- pilih -"), *EVENT_CHOICES],
                       validators=[InputRequired(message="Pilih jenis peristiwa.")])
    event_date = IndonesianDateField("Tanggal peristiwa", validators=[Optional()])
    note = TextAreaField("Keterangan", validators=[Length(max=500, message="Keterangan maksimal 500 karakter.")])
