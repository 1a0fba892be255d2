"""Reader for Excel 97-2003 workbooks (.xls, BIFF8) through xlrd: the same rows and values as the .xlsx reader.

A .xls is not compressed, so what xlrd holds is bounded by the upload limit; rows are kept ragged (no
padding to the widest row), cells under a merged range are blank, dates follow the workbook's date system.
"""
import os
import struct

from .cells import MAX_COLUMNS, Merges, cell_ref
from .errors import ImportFileError
from .package import ENCRYPTED, MAX_CELL_CHARS, refuse_cell
from .values import excel_serial, excel_time

DAMAGED = ("Berkas .xls rusak, terpotong, atau bukan berkas Excel 97-2003. Buka dan simpan ulang berkas itu di "
           "Excel atau LibreOffice (sebaiknya sebagai .xlsx), lalu unggah lagi.")


class XlsSource:
    """Rows of a .xls workbook's sheets."""

    fmt = "xls"

    def __init__(self, path):
        import xlrd  # lazy: only a worker that reads a .xls pays for it

        self.path, self.warnings, self.position, self.size = path, [], 0, 0
        self._log = open(os.devnull, "w")  # noqa: SIM115 - xlrd writes its warnings to a file object
        try:
            self.book = xlrd.open_workbook(path, logfile=self._log, formatting_info=True, on_demand=True,
                                           ragged_rows=True)
        except xlrd.XLRDError as error:
            self._log.close()
            encrypted = "encrypted" in str(error).lower() or is_encrypted_package(path)
            raise ImportFileError(ENCRYPTED if encrypted else DAMAGED) from None
        except (xlrd.compdoc.CompDocError, struct.error, AssertionError, IndexError, KeyError, ValueError,
                TypeError, OverflowError, UnicodeDecodeError, EOFError, OSError, MemoryError):
            self._log.close()
            raise ImportFileError(DAMAGED) from None
        self.date1904 = self.book.datemode == 1

    def close(self):
        """Release the workbook."""
        self.book.release_resources()
        self._log.close()

    def sheet_names(self):
        """Sheet names in workbook order."""
        return self.book.sheet_names()

    def _sheet(self, index):
        import xlrd

        try:
            return self.book.sheet_by_index(index)
        except (xlrd.XLRDError, struct.error, AssertionError, IndexError, KeyError, ValueError, TypeError,
                OverflowError, UnicodeDecodeError, MemoryError):
            raise ImportFileError(DAMAGED) from None

    def rows(self, sheet_index=0):
        """(row number, values) of one sheet; empty rows are skipped."""
        sheet = self._sheet(sheet_index)
        merges = Merges([(low + 1, high, left, right - 1) for low, high, left, right in sheet.merged_cells
                          if high > low and right > left])
        self.size, self.position = sheet.nrows or 1, 0
        for row_index in range(sheet.nrows):
            self.position = row_index
            cells = {}
            for column, cell in enumerate(sheet.row(row_index)[:MAX_COLUMNS]):
                value = self.value(cell, row_index, column)
                if value is not None:
                    cells[column] = value
            for column in merges.hidden(row_index + 1) if cells else ():
                cells.pop(column, None)
            if cells:
                values = [None] * (max(cells) + 1)
                for column, value in cells.items():
                    values[column] = value
                yield row_index + 1, values
        self.book.unload_sheet(sheet_index)

    def value(self, cell, row_index, column):
        """One xlrd cell as the value the other readers give."""
        import xlrd

        kind, value = cell.ctype, cell.value
        if kind == xlrd.XL_CELL_TEXT:
            if len(value) > MAX_CELL_CHARS:
                raise refuse_cell(f"Sel {cell_ref(row_index + 1, column)}")
            return value if value != "" else None
        if kind == xlrd.XL_CELL_NUMBER:
            return int(value) if value.is_integer() and abs(value) < 2**53 else value
        if kind == xlrd.XL_CELL_DATE:
            if 0 <= value < 1:
                return excel_time(value)
            return excel_serial(value, self.date1904) or value
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        return None  # empty, blank, error

    def progress(self):
        """Fraction of the current sheet's rows handed out so far."""
        return min(self.position / self.size, 1.0) if self.size else 0.0



def is_encrypted_package(path):
    """True for a Compound File holding an encrypted Office Open XML package (a password-protected .xlsx)."""
    marker, tail = "EncryptedPackage".encode("utf-16-le"), b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            if marker in tail + chunk:
                return True
            tail = chunk[-len(marker):]
    return False
