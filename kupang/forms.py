"""Base form for every area: Indonesian built-in messages, HTML form data only."""
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import IntegerField
from wtforms.fields.choices import SelectChoice

from .params import DB_INT_MAX

REQUIRED = "Wajib diisi."


def select_choices(table, blank=None):
    """SelectChoice list from a {code: label} table, optionally with a blank first entry."""
    items = [SelectChoice("", blank)] if blank is not None else []
    return items + [SelectChoice(str(code), label) for code, label in table.items()]


# WTForms ships no Indonesian catalogue: its built-in messages, translated (singular msgid as key).
WTFORMS_ID = {
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak valid.",
    "Not a valid choice.": "Pilihan tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' bukan pilihan yang valid.",
    "Not a valid integer value.": "Harus berupa bilangan bulat.",
    "Not a valid decimal value.": "Harus berupa angka.",
    "Not a valid float value.": "Harus berupa angka.",
    "Not a valid date value.": "Tanggal tidak valid.",
    "Not a valid datetime value.": "Tanggal dan jam tidak valid.",
    "Not a valid time value.": "Jam tidak valid.",
    "Field must be equal to %(other_name)s.": "Harus sama dengan %(other_name)s.",
    "Field must be at least %(min)d character long.": "Minimal %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Maksimal %(max)d karakter.",
    "Field must be exactly %(length)d character long.": "Harus tepat %(length)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.": "Panjangnya harus %(min)d sampai %(max)d karakter.",
    "Number must be at least %(min)s.": "Angka minimal %(min)s.",
    "Number must be at most %(max)s.": "Angka maksimal %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Invalid email address.": "Alamat email tidak valid.",
}


class IndonesianMessages:
    """A gettext-like object WTForms asks for its built-in messages."""

    def gettext(self, string):
        """The Indonesian message, or the original when there is none."""
        return WTFORMS_ID.get(string, string)

    def ngettext(self, singular, plural, n):
        """Indonesian has no plural form: the singular msgid is the key."""
        return WTFORMS_ID.get(singular, singular if n == 1 else plural)


class DbIntegerField(IntegerField):
    """An IntegerField that refuses numbers no database column holds (a 30-digit "nomor loket")."""

    def process_formdata(self, valuelist):
        """Parse as IntegerField does; past the 64-bit range the value is dropped with an Indonesian error."""
        super().process_formdata(valuelist)
        if self.data is not None and not -DB_INT_MAX - 1 <= self.data <= DB_INT_MAX:
            self.data = None
            raise ValueError("Angka terlalu besar.")


class KupangForm(FlaskForm):
    """A Flask-WTF form whose built-in validation messages are Indonesian and whose integers fit the database."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            """Every plain IntegerField of every form becomes a DbIntegerField (validators may query with it)."""
            if unbound_field.field_class is IntegerField:
                unbound_field = type(unbound_field)(DbIntegerField, *unbound_field.args, **unbound_field.kwargs)
            return unbound_field.bind(form=form, **options)

        def get_translations(self, form):
            """Indonesian messages instead of WTForms' English ones."""
            return IndonesianMessages()

        def wrap_formdata(self, form, formdata):
            """Read HTML form fields only: a JSON body would hand lists and objects to the rules."""
            if formdata is _Auto and request.is_json:
                return request.form if request.method in ("POST", "PUT", "PATCH", "DELETE") else None
            return super().wrap_formdata(form, formdata)
