"""Forms of the import and export pages."""
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation

from ...forms import KupangForm


class ImportUploadForm(KupangForm):
    """One spreadsheet to check."""

    file = FileField("Berkas penduduk (.xlsx, .xls, .ods atau .csv)")

    def validate_file(self, field):
        """A file must be chosen."""
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation("Pilih berkas .xlsx, .xls, .ods atau .csv terlebih dahulu.")


class ExportForm(KupangForm):
    """Format and masking of an export; an unmasked export needs a reason."""

    file_format = RadioField("Format", choices=[SelectChoice("xlsx", "Excel (.xlsx)"),
                                                    SelectChoice("csv", "CSV (pemisah titik koma)")],
                             default="xlsx")
    unmasked = BooleanField("Tampilkan NIK dan nomor KK lengkap (tanpa penyamaran)")
    reason = StringField("Alasan ekspor tanpa penyamaran", validators=[Length(max=200)])

    def validate_reason(self, field):
        """Required (at least 10 characters) when the numbers are exported in full."""
        if self.unmasked.data and len((field.data or "").strip()) < 10:
            raise StopValidation("Tuliskan alasan (minimal 10 karakter) untuk ekspor NIK/KK lengkap.")
