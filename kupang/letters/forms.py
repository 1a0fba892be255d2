"""Forms of the letters area's admin pages."""
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import REQUIRED, KupangForm, select_choices
from .models import RESIDENT_RULES
from .office import SCOPES

SIGNATORY_PREFIXES = {"": "(langsung)", "a.n.": "a.n. (atas nama)", "Plh.": "Plh. (pelaksana harian)",
                      "Plt.": "Plt. (pelaksana tugas)"}


def coerce_optional_int(value):
    """'' -> None, digits -> int (anything else is refused by the choices)."""
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class LetterTypeForm(KupangForm):
    """A letter type: title, code, service, rules, fields, requirements and text blocks."""

    title = StringField("Judul surat", validators=[DataRequired(REQUIRED), Length(max=120)])
    code = StringField("Kode klasifikasi arsip", validators=[DataRequired(REQUIRED), Length(max=20)])
    service_id = SelectField("Layanan antrian", coerce=coerce_optional_int, validate_choice=True)
    needs_nik = BooleanField("Memerlukan NIK")
    resident_rule = SelectField("Untuk penduduk", choices=select_choices(RESIDENT_RULES))
    validity_days = IntegerField("Masa berlaku (hari, kosong bila tanpa batas)",
                                 validators=[Optional(), NumberRange(min=1, max=3650)])
    fields_text = TextAreaField("Isian tambahan (satu per baris: nama | Label | teks/paragraf/tanggal | wajib)",
                                validators=[Length(max=3000)])
    requirements_text = TextAreaField("Persyaratan (satu per baris)", validators=[Length(max=3000)])
    opening = TextAreaField("Pembuka", validators=[Length(max=4000)])
    body = TextAreaField("Isi", validators=[Length(max=4000)])
    closing = TextAreaField("Penutup", validators=[Length(max=4000)])
    active = BooleanField("Aktif", default=True)
    sort_order = IntegerField("Urutan", validators=[Optional(), NumberRange(min=0, max=9999)])


class SignatoryForm(KupangForm):
    """A signatory: name, NIP, position and the a.n./Plh. wording."""

    name = StringField("Nama", validators=[DataRequired(REQUIRED), Length(max=120)])
    nip = StringField("NIP", validators=[Optional(), Length(max=30)])
    position = StringField("Jabatan", validators=[DataRequired(REQUIRED), Length(max=120)])
    prefix = SelectField("Keterangan", choices=select_choices(SIGNATORY_PREFIXES))
    active = BooleanField("Aktif", default=True)


class LetterSettingsForm(KupangForm):
    """Number format, sequence scope and letterhead."""

    format = StringField("Format nomor surat", validators=[DataRequired(REQUIRED), Length(max=60)])
    scope = SelectField("Urutan nomor", choices=select_choices(SCOPES))
    kelurahan = StringField("Singkatan kelurahan pada nomor", validators=[Length(max=20)])
    pemerintah = StringField("Baris kop 1", validators=[Length(max=80)])
    kecamatan = StringField("Baris kop 2 (kecamatan)", validators=[Length(max=80)])
    alamat = StringField("Alamat kantor", validators=[Length(max=160)])
    telepon = StringField("Telepon", validators=[Length(max=40)])
    email = StringField("E-mail", validators=[Length(max=80)])
