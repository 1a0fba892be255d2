"""One spreadsheet row to one checked resident record: parsed values plus errors and warnings per column."""
import re

from ..masking import mask_nik
from ..nik import check_kk, check_nik
from .columns import COMBINED, FIELDS
from .values import (
    CODE_TABLES,
    ValueProblem,
    is_empty,
    label_key,
    number_input,
    parse_text,
    split_place_date,
    split_unit_pair,
)

RESIDENT_FIELDS = tuple(name for name in FIELDS if name != "kk")
TEXT_LIMITS = {"name": 120, "birth_place": 80, "father_name": 120, "mother_name": 120, "address": 200,
               "phone": 20}
TEXT_WHAT = {"name": "Nama", "birth_place": "Tempat lahir", "father_name": "Nama ayah", "mother_name": "Nama ibu",
             "address": "Alamat", "phone": "Telepon"}
NUMBER_CELL_WARNING = ("{label} tersimpan sebagai angka di Excel. Nomornya masih utuh, tetapi format kolom "
                       "{label} sebagai Teks agar digit terakhir tidak hilang.")
MASKED_NUMBER = ("{label} tersamarkan (berisi *). Ekspor ulang data penduduk tanpa penyamaran, "
                 "atau ketik nomor lengkapnya.")
PLACEHOLDER_KK = ("Nomor KK {masked} tampaknya nomor pengganti (angka sama semua). Penduduk dicatat tanpa KK; "
                  "isi nomor KK yang benar nanti.")
ERROR, WARNING = "error", "warning"


class RowData:
    """A checked row: the fields it gives (None when blank or absent) and what happens to it."""

    __slots__ = (*FIELDS, "line", "issues", "status", "resident_id", "changes", "has_warnings", "name_key",
                 "stored_version", "stored_family_id")

    def __init__(self, line):
        for name in FIELDS:
            setattr(self, name, None)
        self.line = line
        self.issues = None
        self.status = None  # new, updated, unchanged, rejected
        self.resident_id = None
        self.changes = None  # {field: (old, new)} for updates
        self.has_warnings = False
        self.name_key = ""
        self.stored_version = self.stored_family_id = None  # of the matched resident, as the check read it

    def add(self, level, column, message):
        """Record an error (the row is rejected) or a warning (shown, not blocking)."""
        if self.issues is None:
            self.issues = []
        self.issues.append((level, column, message))
        if level == ERROR:
            self.status = "rejected"

    def reject(self, column, message):
        """Reject the row with a reason."""
        self.add(ERROR, column, message)

    @property
    def rejected(self):
        """True when an error blocks this row."""
        return self.status == "rejected"

    def reasons(self):
        """The errors as sentences on one line ('Agama: Agama “X” tidak dikenal. RT: ...'), for the rejected rows."""
        return " ".join(reason_sentence(column, message)
                        for level, column, message in self.issues or () if level == ERROR)

    def resident_values(self):
        """The resident fields this row gives (blank cells never erase what is stored)."""
        return {name: getattr(self, name) for name in RESIDENT_FIELDS if getattr(self, name) is not None}


def reason_sentence(column, message):
    """One error as a sentence, prefixed by its column; always ends with a full stop."""
    text = " ".join(str(message).split())
    if text and text[-1] not in ".!?":
        text += "."
    return f"{column}: {text}" if column else text


def cell(values, index):
    """The value at a column index, None past the row's end."""
    return values[index] if index is not None and index < len(values) else None


def raw_fields(values, header):
    """{field: raw cell} for the mapped columns, combined columns split; (field, message) problems."""
    raw, problems = {}, []
    for name, index in header.columns.items():
        if name in COMBINED:
            continue
        raw[name] = cell(values, index)
    for combined, parts in COMBINED.items():
        if combined not in header.columns:
            continue
        splitter = split_unit_pair if combined == "rtrw" else split_place_date
        try:
            first, second = splitter(cell(values, header.columns[combined]))
        except ValueProblem as problem:
            problems.append((parts[0], str(problem)))
            continue
        raw.setdefault(parts[0], first)
        raw.setdefault(parts[1], second)
    return raw, problems


def is_blank(raw):
    """True when every mapped cell of the row is empty."""
    return all(is_empty(value) for value in raw.values())


def parse_fields(row, raw, header, context):
    """Set the plain fields (codes, dates, text, RT/RW) on the row, recording problems."""
    for name, value in raw.items():
        if name in ("nik", "kk"):
            continue
        try:
            if name in CODE_TABLES:
                parsed = CODE_TABLES[name].parse(value)
            elif name == "birth_date":
                parsed = context.dates(value, context.today, context.date1904)
            elif name in ("rt", "rw"):
                parsed = context.units(value, name.upper())
            else:
                parsed = parse_text(value, TEXT_LIMITS[name], TEXT_WHAT[name])
        except ValueProblem as problem:
            row.reject(header.label(name), str(problem))
            continue
        setattr(row, name, parsed)
    if row.name is None:
        row.reject(header.label("name"), "Nama wajib diisi.")
    else:
        row.name_key = label_key(row.name)


def parse_nik(row, raw, header, context):
    """Check the NIK with nik.py; an intact number cell is accepted with a warning."""
    label = header.label("nik")
    value = raw.get("nik")
    if is_empty(value):
        return
    if isinstance(value, str) and "*" in value:
        row.reject(label, MASKED_NUMBER.format(label=label))
        return
    value, was_number = number_input(value)
    check = check_nik(value, sex=row.sex, birth_date=row.birth_date, reference_date=context.today)
    for message in check.errors:
        row.reject(label, message)
    if check.value is None:
        return
    row.nik = check.value
    if was_number:
        row.add(WARNING, label, NUMBER_CELL_WARNING.format(label=label))
    for message in check.warnings:
        row.add(WARNING, label, message)
    row.has_warnings = bool(check.warnings)
    if row.sex is None and check.sex:
        row.sex = check.sex  # the NIK says it (day + 40 for women); no column or a blank cell


def is_placeholder_kk(digits):
    """True for numbers offices type when the KK is unknown: all one digit (0000..., 1111...)."""
    return len(set(digits)) == 1


def parse_kk(row, raw, header, context=None):
    """Check the KK number; a placeholder is dropped with a warning, never used to group a family."""
    label = header.label("kk")
    value = raw.get("kk")
    if is_empty(value):
        return
    if isinstance(value, str) and "*" in value:
        row.reject(label, MASKED_NUMBER.format(label=label))
        return
    if whole_zero(value):
        text = str(value).strip()
        row.add(WARNING, label, PLACEHOLDER_KK.format(masked=mask_nik(text) if len(text) == 16 else text))
        return
    value, _was_number = number_input(value)
    check = context.kk_checks.get(value) if context is not None else None
    if check is None:
        check = check_kk(value)  # a family's rows repeat its KK: check each number once per file
        if context is not None and len(context.kk_checks) < 100_000:
            context.kk_checks[value] = check
    for message in check.errors:
        row.reject(label, message)
    if check.value is None:
        return
    if is_placeholder_kk(check.value):
        row.add(WARNING, label, PLACEHOLDER_KK.format(masked=check.masked))
        return
    for message in check.warnings:
        row.add(WARNING, label, message)
    row.kk = check.value


def whole_zero(value):
    """True for a KK cell holding just 0 (or 00, 0.0)."""
    return bool(re.fullmatch(r"0+(?:[.,]0+)?", str(value).strip()))


def read_row(line, values, header, context):
    """A RowData for one sheet row, or None when the row is blank."""
    raw, problems = raw_fields(values, header)
    if is_blank(raw):
        return None
    row = RowData(line)
    for name, message in problems:
        row.reject(header.label(name), message)
    parse_fields(row, raw, header, context)
    parse_nik(row, raw, header, context)
    parse_kk(row, raw, header, context)
    return row
