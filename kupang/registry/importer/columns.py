"""Column headers of resident spreadsheets: the project's own, plain Indonesian ones and OpenSID's template."""
import re
from dataclasses import dataclass, field

# Import fields in export order; the label is the header the export writes (the project's own header).
FIELD_LABELS = {
    "nik": "NIK",
    "kk": "No KK",
    "name": "Nama Lengkap",
    "sex": "Jenis Kelamin",
    "birth_place": "Tempat Lahir",
    "birth_date": "Tanggal Lahir",
    "religion": "Agama",
    "marital_status": "Status Perkawinan",
    "shdk": "SHDK",
    "education": "Pendidikan",
    "occupation_code": "Pekerjaan",
    "blood_type": "Golongan Darah",
    "citizenship": "Kewarganegaraan",
    "father_name": "Nama Ayah",
    "mother_name": "Nama Ibu",
    "address": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "life_status": "Status Penduduk",
    "phone": "Telepon",
}
FIELDS = tuple(FIELD_LABELS)
# Columns holding two fields at once; the values are split when a row is read.
COMBINED = {"rtrw": ("rt", "rw"), "ttl": ("birth_place", "birth_date")}

# Other spellings seen in office sheets and exports of village systems (OpenSID's template names included).
_ALIASES = {
    "nik": ["nik", "nonik", "nomornik", "niknomorindukkependudukan", "nomorindukkependudukan", "noinduk",
            "nomorinduk", "noktp", "nomorktp", "nikpenduduk", "nikktp"],
    "kk": ["nokk", "nomorkk", "kk", "nkk", "nokartukeluarga", "nomorkartukeluarga", "kartukeluarga",
           "nikk", "nomorkartukk"],
    "name": ["nama", "namalengkap", "namapenduduk", "namawarga", "namaanggotakeluarga", "namasesuaiktp"],
    "sex": ["jeniskelamin", "jk", "kelamin", "sex", "gender", "lp", "jnskelamin", "jeniskel", "jnskel"],
    "birth_place": ["tempatlahir", "tmplahir", "tmptlahir", "tempatlhr", "tmplhr"],
    "birth_date": ["tanggallahir", "tgllahir", "tgllhr", "tanggallhr", "tgllahirddmmyyyy", "tanggallahirddmmyyyy"],
    "religion": ["agama", "agamaid"],
    "marital_status": ["statusperkawinan", "statuskawin", "perkawinan", "stskawin", "statusperkawinanid",
                       "statusnikah"],
    "shdk": ["shdk", "hubungankeluarga", "hubungandalamkeluarga", "statushubungandalamkeluarga",
             "statushubungankeluarga", "kklevel", "hubungan", "hubkeluarga", "statusdalamkeluarga", "hubkel"],
    "education": ["pendidikan", "pendidikankkid", "pendidikanterakhir", "pendidikandalamkk", "pendidikankk"],
    "occupation_code": ["pekerjaan", "pekerjaanid", "jenispekerjaan", "pekerjaanutama"],
    "blood_type": ["golongandarah", "goldarah", "golongandarahid", "goldar"],
    "citizenship": ["kewarganegaraan", "warganegara", "warganegaraid", "wni"],
    "father_name": ["namaayah", "ayah", "namabapak", "namaayahkandung"],
    "mother_name": ["namaibu", "ibu", "namaibukandung", "ibukandung"],
    "address": ["alamat", "alamatlengkap", "alamatrumah", "jalan"],
    "rt": ["rt", "nort", "nomorrt"],
    "rw": ["rw", "norw", "nomorrw"],
    "life_status": ["statuspenduduk", "statusdasar", "statushidup", "statuskependudukan"],
    "phone": ["telepon", "telp", "notelp", "nohp", "nomorhp", "hp", "notelepon", "nomortelepon", "telepon"],
    "rtrw": ["rtrw", "nortrw"],
    "ttl": ["ttl", "tempattanggallahir", "tempattgllahir", "tempattgllhr"],
}


def header_key(text):
    """A header reduced to lowercase letters and digits: 'No. KK', 'no_kk' and 'NO KK' are one key."""
    if text is None:
        return ""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


ALIASES = {header_key(label): name for name, label in FIELD_LABELS.items()}
for _name, _keys in _ALIASES.items():
    for _key in _keys:
        ALIASES.setdefault(_key, _name)


@dataclass
class Header:
    """Where each field sits in the sheet, and what was found but not used."""

    row_number: int
    texts: list                                  # the header cells as written in the file
    columns: dict = field(default_factory=dict)  # field (or combined key) -> 0-based column index
    unknown: list = field(default_factory=list)  # (column letter, header text) not recognised
    repeated: list = field(default_factory=list)  # (column letter, header text) of a field seen before

    def label(self, name):
        """The header text the file uses for a field (for messages), else the project's label."""
        index = self.columns.get(name)
        if index is None:
            for combined, parts in COMBINED.items():
                if name in parts and combined in self.columns:
                    index = self.columns[combined]
        if index is not None and self.texts[index] not in (None, ""):
            return str(self.texts[index]).strip()
        return FIELD_LABELS.get(name, name)

    def has(self, name):
        """True when the file provides the field (directly or in a combined column)."""
        if name in self.columns:
            return True
        return any(name in parts and key in self.columns for key, parts in COMBINED.items())


def match_header(cells, row_number):
    """A Header when the row looks like a header (a name column and two other known fields), else None."""
    from openpyxl.utils.cell import get_column_letter  # lazy: openpyxl costs ~5 MB per worker

    texts = list(cells)
    while texts and texts[-1] in (None, ""):
        texts.pop()
    header = Header(row_number=row_number, texts=texts)
    for index, text in enumerate(texts):
        key = header_key(text)
        if not key:
            continue
        name = ALIASES.get(key)
        letter = get_column_letter(index + 1)
        if name is None:
            header.unknown.append((letter, str(text).strip()))
        elif name in header.columns:
            header.repeated.append((letter, str(text).strip()))
        else:
            header.columns[name] = index
    if "name" not in header.columns or len(header.columns) < 3:
        return None
    return header


def unused_columns_message(header):
    """Indonesian notes on columns that will not be imported (unknown or repeated); empty list when none."""
    notes = []
    if header.unknown:
        listed = ", ".join(f"{text} (kolom {letter})" for letter, text in header.unknown)
        notes.append(f"Kolom tidak dikenal dan tidak diimpor: {listed}.")
    if header.repeated:
        listed = ", ".join(f"{text} (kolom {letter})" for letter, text in header.repeated)
        notes.append(f"Kolom ganda, hanya kolom pertama yang dipakai: {listed}.")
    return notes
