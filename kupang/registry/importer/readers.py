"""Readers for uploaded sheets, one interface for all: .xlsx/.xlsm, .xls, .ods (streamed, bounded) and .csv.

Each source gives sheet_names(), rows(sheet) -> (row number, values), progress(), close(), warnings, fmt.
"""
import codecs
import csv
import os

from ...spreadsheet import is_formula_like
from .errors import ImportFileError
from .ods import DAMAGED as ODS_DAMAGED
from .ods import OdsSource
from .package import ZipPackage
from .xls import XlsSource
from .xlsx import DAMAGED as XLSX_DAMAGED
from .xlsx import XLSB, XlsxSource

CHUNK = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Compound File: .xls (Excel 97-2003), or an encrypted .xlsx
FORMATS = ("xlsx", "xls", "ods", "csv")
READ_FORMATS = ".xlsx, .xlsm, .xls, .ods, .csv"
LATIN1_WARNING = ("Berkas CSV tidak tersimpan sebagai UTF-8, jadi dibaca sebagai Latin-1 (Windows-1252). "
                  "Periksa huruf beraksen pada pratinjau; sebaiknya simpan sebagai \u201cCSV UTF-8\u201d.")
NOT_SUPPORTED = ("Hanya berkas Excel (.xlsx, .xlsm, .xls), LibreOffice Calc (.ods) atau CSV (.csv) yang dapat "
                 "diimpor.")
FAKE_XLS = ("Berkas ini bernama .xls tetapi isinya bukan buku kerja Excel 97-2003 (mungkin halaman web atau teks "
            "yang diberi nama .xls). Buka di Excel atau LibreOffice lalu simpan sebagai .xlsx, lalu unggah lagi.")
SOURCES = {"xlsx": XlsxSource, "xls": XlsSource, "ods": OdsSource}
DAMAGED_PACKAGE = {"xlsx": XLSX_DAMAGED, "ods": ODS_DAMAGED}

__all__ = ["FORMATS", "READ_FORMATS", "CsvSource", "ImportFileError", "OdsSource", "XlsSource", "XlsxSource",
           "detect_format", "open_source", "sniff_delimiter", "uncompressed_size"]


def detect_format(filename, head):
    """'xlsx', 'xls', 'ods' or 'csv' from the name and the first bytes; ImportFileError for anything else."""
    name = (filename or "").lower()
    if name.endswith(".xlsb"):
        raise ImportFileError(XLSB)
    if head.startswith(OLE_MAGIC) and name.endswith((".xls", ".xlt", ".xlsx", ".xlsm")):
        return "xls"  # a Compound File: Excel 97-2003, or a password-protected .xlsx (the reader tells which)
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith(".xls"):
        if head.startswith(ZIP_MAGIC):
            return "xlsx"  # an .xlsx with the old extension: read it for what it is
        raise ImportFileError(FAKE_XLS)
    if name.endswith(".ods"):
        return "ods"
    if name.endswith((".csv", ".txt")):
        if head.startswith(ZIP_MAGIC):
            raise ImportFileError("Berkas ini bernama .csv tetapi isinya berkas Excel (.xlsx). "
                                  "Ganti nama berkasnya menjadi .xlsx atau simpan ulang sebagai CSV.")
        return "csv"
    raise ImportFileError(NOT_SUPPORTED)


def open_source(path, fmt):
    """A reader for the stored upload."""
    return SOURCES.get(fmt, CsvSource)(path)


def uncompressed_size(path, fmt):
    """How much the server has to read: the declared unpacked size of a zip package, else the file size.

    Raises ImportFileError for a package over the limits (before anything is inflated).
    """
    if fmt in ("xlsx", "ods"):
        package = ZipPackage(path, DAMAGED_PACKAGE[fmt])
        try:
            return package.uncompressed_size()
        finally:
            package.close()
    return os.path.getsize(path)


# --- .csv ------------------------------------------------------------------------------------

def _is_utf8(path):
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        try:
            while chunk := fh.read(CHUNK * 4):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def sniff_delimiter(sample):
    """';', ',' or tab: whichever occurs most in the first lines (Excel in an Indonesian locale writes ';')."""
    lines = sample.splitlines()[:30]
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def unguard(cell):
    """Undo the apostrophe kupang's own CSV export puts before text a spreadsheet would run as a formula
    ('=..', '+62..', '-', '@..'): an exported, edited and re-imported file gives back what was stored."""
    if cell.startswith("'") and is_formula_like(cell[1:]):
        return cell[1:]
    return cell


class CsvSource:
    """Rows of a CSV file: UTF-8 with or without BOM, else Latin-1 with a warning; ';', ',' or tab."""

    fmt = "csv"

    def __init__(self, path):
        self.path = path
        self.warnings = []
        with open(path, "rb") as fh:
            head = fh.read(CHUNK)
        if b"\x00" in head:
            raise ImportFileError("Berkas CSV berisi data biner (bukan teks). Simpan ulang sebagai CSV dari Excel.")
        if head.startswith(codecs.BOM_UTF8):
            self.encoding = "utf-8-sig"
        elif _is_utf8(path):
            self.encoding = "utf-8"
        else:
            self.encoding = "cp1252"
            self.warnings.append(LATIN1_WARNING)
        self.bom = self.encoding == "utf-8-sig"
        self.delimiter = sniff_delimiter(self._decode(head))
        self.sheets = [("CSV", None)]
        self.fh = None

    def _decode(self, data):
        try:
            return data.decode(self.encoding, errors="ignore")
        except LookupError:  # pragma: no cover - the encodings above always exist
            return data.decode("latin-1")

    def sheet_names(self):
        """A CSV has one sheet."""
        return ["CSV"]

    def rows(self, sheet_index=0):
        """(record number, values) in order; empty cells are None."""
        errors = "strict" if self.encoding.startswith("utf-8") else _CP1252_FALLBACK
        self.fh = open(self.path, encoding=self.encoding, errors=errors, newline="")  # noqa: SIM115
        try:
            reader = csv.reader(self.fh, delimiter=self.delimiter)
            for number, record in enumerate(reader, start=1):
                yield number, [unguard(cell) if cell.strip() else None for cell in record]
        except (csv.Error, UnicodeDecodeError) as error:
            raise ImportFileError(f"Berkas CSV tidak dapat dibaca: {error}.") from None
        finally:
            self.fh.close()

    def progress(self):
        """Fraction of the file read so far (by bytes)."""
        if self.fh is None or self.fh.closed:
            return 0.0
        size = os.fstat(self.fh.fileno()).st_size or 1
        return min(self.fh.buffer.raw.tell() / size, 1.0)

    def close(self):
        """Nothing stays open between reads."""


def _latin1_for_undefined(error):
    # The five bytes Windows-1252 leaves undefined are read as their Latin-1 characters.
    return error.object[error.start:error.end].decode("latin-1"), error.end


_CP1252_FALLBACK = "kupang-cp1252-latin1"
codecs.register_error(_CP1252_FALLBACK, _latin1_for_undefined)
