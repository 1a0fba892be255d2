"""Cell values to registry values: SIAK codes by number, label or abbreviation; dates; RT/RW; text."""
import math
import re
from datetime import date, datetime, time, timedelta

from .. import codes
from ..masking import mask_nik

EMPTY_MARKS = {"", "-", "--", "---", "\u2013", "\u2014", "n/a", "na", "#n/a"}
EXCEL_EPOCH = datetime(1899, 12, 30)  # day 61 and on (Excel counts a 29-02-1900 that never was)
EXCEL_EARLY_EPOCH = datetime(1899, 12, 31)  # days 1-59: 1 = 01-01-1900
EXCEL_1904_EPOCH = datetime(1904, 1, 1)
PHANTOM_LEAP_DAY = 60
MONTHS = {"jan": 1, "januari": 1, "feb": 2, "februari": 2, "pebruari": 2, "mar": 3, "maret": 3, "apr": 4,
          "april": 4, "mei": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8, "agus": 8,
          "agustus": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "nov": 11,
          "nopember": 11, "november": 11, "des": 12, "desember": 12}
_DMY = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2,4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_WORDS = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_SERIAL = re.compile(r"^\d{4,5}(?:[.,]0+)?$")
_UNIT = re.compile(r"^(?:r[tw]\s*\.?\s*)?0*(\d{1,3})$", re.IGNORECASE)
_LONG_DIGITS = re.compile(r"\d{7,}")


class ValueProblem(ValueError):
    """A cell that cannot be used; the message is Indonesian and names no personal data."""


def is_empty(raw):
    """True for a blank cell, or one holding only a dash or similar placeholder."""
    if raw is None:
        return True
    return raw.__class__ is str and len(raw) < 8 and raw.strip().lower() in EMPTY_MARKS


class Memo:
    """Results (or the problem) of a pure parse per distinct cell value: sheets repeat 'L', 'Kristen', '003'."""

    def __init__(self, function, limit=5000):
        self.function, self.cache, self.limit = function, {}, limit

    def __call__(self, raw, *args):
        key = (raw.__class__, raw, *args)
        try:
            found = self.cache[key]
        except KeyError:
            try:
                found = (True, self.function(raw, *args))
            except ValueProblem as problem:
                found = (False, str(problem))
            except TypeError:  # an unhashable value never reaches here (cells are str/int/float/date)
                return self.function(raw, *args)
            if len(self.cache) < self.limit:
                self.cache[key] = found
        if found[0]:
            return found[1]
        raise ValueProblem(found[1])


def shown_cell(raw):
    """A cell as a message quotes it: trimmed to 40 characters, long digit runs (a misplaced NIK) masked."""
    return _LONG_DIGITS.sub(lambda run: mask_nik(run.group()), str(raw).strip()[:40])


def label_key(text):
    """A label reduced to upper-case words: 'Laki-laki' and 'LAKI LAKI' are one key."""
    return re.sub(r"[^A-Z0-9]+", " ", str(text).upper()).strip()


def compact_key(text):
    """A label without spaces, as OpenSID compares them: 'SLTA / SEDERAJAT' and 'slta/sederajat' are one key."""
    return re.sub(r"\s+", "", str(text).upper())


def blood_key(text):
    """A blood type without spaces, keeping its rhesus sign: 'ab +' -> 'AB+', 'O negatif' -> 'O-'."""
    text = re.sub(r"\s+", "", str(text).upper())
    return text.replace("POSITIF", "+").replace("NEGATIF", "-").replace("RH", "")


def whole_number(raw):
    """The integer a cell holds (1, 1.0, '01', '1.0'), or None when it is not a whole number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    text = str(raw).strip()
    if re.fullmatch(r"\d{1,6}(?:[.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    return None


class CodeTable:
    """One SIAK code list: accepts the code number, the label in any case, and common abbreviations."""

    def __init__(self, what, labels, extra=(), numbers=None, key=label_key):
        self.what = what
        self.labels = labels
        self.key = key
        self.numbers = numbers if numbers is not None else {code: code for code in labels}
        self.words = {key(label): code for code, label in labels.items()}
        for words, code in extra:
            for word in words.split("|"):
                self.words[key(word)] = code
        self.compact, ambiguous = {}, set()
        for spelling, code in [(label, code) for code, label in labels.items()] + [
                (word, code) for words, code in extra for word in words.split("|")]:
            if self.compact.setdefault(compact_key(spelling), code) != code:
                ambiguous.add(compact_key(spelling))  # 'D I II' and 'D III': only the spaced forms tell them apart
        for spelling in ambiguous:
            del self.compact[spelling]
        self.parse = Memo(self._parse)

    def _parse(self, raw):
        """The code for a cell, None when blank; raises ValueProblem for anything unknown."""
        if is_empty(raw):
            return None
        number = whole_number(raw)
        if number is not None:
            if number in self.numbers:
                return self.numbers[number]
            raise ValueProblem(f"Kode {self.what} {shown_cell(number)} tidak dikenal.")
        code = self.words.get(self.key(raw))
        if code is None:
            code = self.compact.get(compact_key(raw))
        if code is None:
            raise ValueProblem(f"{self.what.capitalize()} \u201c{shown_cell(raw)}\u201d tidak dikenal.")
        return code

    def label(self, code):
        """The label of a code, as the export writes it."""
        return self.labels.get(code, "")


SEX = CodeTable("jenis kelamin", codes.SEX, [("L|LK|LAKI|LAKI2|PRIA|LAKI LAKI", 1), ("P|PR|PEREMPUAN|WANITA|W", 2)])
RELIGION = CodeTable("agama", codes.RELIGION, [
    ("Protestan|Kristen Protestan", 2), ("Katholik|Kristen Katolik|Katolik Roma", 3), ("Budha|Buda", 5),
    ("Konghucu|Kong Hu Cu|Khong Hu Cu", 6),
    ("Kepercayaan|Aliran Kepercayaan|Penghayat Kepercayaan|Kepercayaan Terhadap Tuhan Yang Maha Esa"
     "|Kepercayaan Terhadap Tuhan YME / Lainnya", 7)])
MARITAL = CodeTable("status perkawinan", codes.MARITAL, [
    ("BK|B|Belum Menikah|Tidak Kawin|Lajang", 1),
    ("K|Menikah|Sudah Kawin|Kawin Tercatat|Kawin Belum Tercatat|Kawin Tidak Tercatat", 2),
    ("CH|Cerai", 3), ("CM", 4)])
SHDK = CodeTable("hubungan keluarga (SHDK)", codes.SHDK, [
    ("KK|Kepala|Kep Keluarga|Kepala KK", 1), ("Isteri", 3),
    ("Anak Kandung|Anak Angkat|Anak Tiri", 4), ("Orangtua|Ortu", 7), ("Famili|Family Lain|Keluarga Lain", 9),
    ("PRT", 10), ("Lain|Lain Lain", 11)])
EDUCATION = CodeTable("pendidikan", codes.EDUCATION, [
    ("Tidak Sekolah|Belum Sekolah|Tidak Belum Sekolah|Tidak/Belum Sekolah|Tidak/Blm Sekolah", 1),
    ("Belum Tamat SD|Tidak Tamat SD|Belum Tamat SD Sederajat|Tidak Tamat SD/Sederajat", 2),
    ("SD|Tamat SD|SD Sederajat|MI", 3),
    ("SMP|SLTP|MTS|SMP Sederajat", 4), ("SMA|SMK|SLTA|MA|SMA Sederajat", 5),
    ("D1|D2|D I|D II|D I II|D I/II|D1/D2|Diploma I|Diploma II|Diploma I II", 6),
    ("D3|D III|Diploma III|Akademi|Sarjana Muda|Akademi/ Diploma III/S. Muda", 7),
    ("D4|D IV|S1|Diploma IV|Strata I|Sarjana", 8),
    ("S2|Strata II|Strata-II|Magister", 9), ("S3|Strata III|Doktor", 10)])
OCCUPATION = CodeTable("pekerjaan", codes.OCCUPATIONS, [
    ("Belum Bekerja|Tidak Bekerja|Belum Tidak Bekerja", 1), ("IRT|Ibu Rumah Tangga", 2),
    ("Pelajar|Mahasiswa", 3), ("PNS|ASN|Pegawai Negeri Sipil (PNS)", 5),
    ("TNI|Tentara Nasional Indonesia (TNI)", 6), ("POLRI|Polisi|Kepolisian RI (POLRI)", 7), ("Petani|Pekebun", 9),
    ("Nelayan", 11), ("Swasta|Pegawai Swasta", 15), ("Honorer", 18), ("Buruh|Buruh Harian", 19),
    ("Supir", 81)])
BLOOD_TYPE = CodeTable("golongan darah", codes.BLOOD_TYPE, [("Tidak Tahu|Tdk Tahu|TT|Tdk Th", 13)], key=blood_key)
CITIZENSHIP = CodeTable("kewarganegaraan", codes.CITIZENSHIP, [
    ("Indonesia|Warga Negara Indonesia", 1), ("Asing|Warga Negara Asing", 2), ("Dwi Kewarganegaraan|Ganda", 3)])
LIFE_STATUS = CodeTable(
    "status penduduk", codes.LIFE_STATUS,
    [("Meninggal Dunia|Wafat|Meninggal|Mati", "mati"), ("Hidup", "hidup"),
     ("Pindah|Pindah Dalam Negeri|Pindah Luar Negeri", "pindah"), ("Hilang", "hilang"), ("Pergi", "pergi"),
     ("Tidak Valid", "tdk_valid")],
    numbers={1: "hidup", 2: "mati", 3: "pindah", 4: "hilang", 6: "pergi", 9: "tdk_valid"})  # OpenSID status_dasar

CODE_TABLES = {"sex": SEX, "religion": RELIGION, "marital_status": MARITAL, "shdk": SHDK,
               "education": EDUCATION, "occupation_code": OCCUPATION, "blood_type": BLOOD_TYPE,
               "citizenship": CITIZENSHIP, "life_status": LIFE_STATUS}


def parse_text(raw, max_length, what):
    """Trimmed text with single spaces; numbers as written without '.0'; None when blank."""
    if is_empty(raw):
        return None
    if raw.__class__ is not str:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, datetime | date | time):
            raise ValueProblem(f"{what} berisi tanggal atau jam, bukan teks.")
        raw = str(raw)
    text = " ".join(raw.split())
    if len(text) > max_length:
        raise ValueProblem(f"{what} terlalu panjang ({len(text)} karakter, maksimal {max_length}).")
    return text


def parse_unit(raw, what):
    """An RT or RW number as three digits ('3', 3, 'RT 03' -> '003')."""
    if is_empty(raw):
        return None
    number = whole_number(raw)
    text = str(number) if number is not None else str(raw).strip()
    match = _UNIT.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueProblem(f"{what} harus berupa angka 1 sampai 999.")
    return f"{int(match.group(1)):03d}"


def split_unit_pair(raw):
    """'003/004' in one RT/RW column -> ('003' raw, '004' raw)."""
    if is_empty(raw):
        return None, None
    parts = re.split(r"\s*[/\-]\s*", str(raw).strip())
    if len(parts) != 2:
        raise ValueProblem("RT/RW harus ditulis seperti 003/004.")
    return parts[0], parts[1]


def split_place_date(raw):
    """'Kupang, 12-03-1990' in one TTL column -> ('Kupang', '12-03-1990')."""
    if is_empty(raw):
        return None, None
    if isinstance(raw, datetime | date):
        return None, raw
    place, sep, when = str(raw).rpartition(",")
    if not sep:
        raise ValueProblem("Tempat/tanggal lahir harus ditulis seperti: Kupang, 12-03-1990.")
    return place.strip() or None, when.strip()


def excel_serial(serial, date1904=False):
    """An Excel day number (the fraction is the time of day) as a datetime; None for Excel's 29-02-1900."""
    whole = math.floor(serial)
    if date1904:
        epoch = EXCEL_1904_EPOCH
    elif whole == PHANTOM_LEAP_DAY:
        return None
    else:
        epoch = EXCEL_EARLY_EPOCH if whole < PHANTOM_LEAP_DAY else EXCEL_EPOCH
    return epoch + timedelta(seconds=round(serial * 86400))


def excel_time(fraction):
    """The time of day of a day fraction (a time-only cell)."""
    seconds = round(fraction * 86400) % 86400
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def serial_to_date(serial, date1904=False):
    """An Excel serial day number as a date; Excel's phantom 29-02-1900 is a problem, not 28-02 or 01-03."""
    value = excel_serial(serial, date1904)
    if value is None:
        raise ValueProblem("Tanggal 29-02-1900 tidak ada di kalender (kekeliruan lama Excel); isi tanggal yang benar.")
    return value.date()


def _date_from_text(text, date1904):
    if _SERIAL.match(text):
        return serial_to_date(int(re.split(r"[.,]", text)[0]), date1904)
    match = _YMD.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _checked_date(year, month, day)
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if year < 100:
            raise ValueProblem("Tahun harus ditulis 4 digit (mis. 12/03/1990).")
        return _checked_date(year, month, day)
    match = _WORDS.match(text)
    if match and match.group(2).lower() in MONTHS:
        return _checked_date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    raise ValueProblem("Format tanggal tidak dikenal; gunakan hh/bb/tttt, hh-bb-tttt atau tttt-bb-hh.")


def _checked_date(year, month, day):
    if month > 12 and day <= 12:
        raise ValueProblem("Bulan lebih dari 12: tanggal harus ditulis hari/bulan/tahun.")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem("Tanggal tidak ada di kalender.") from None


def parse_date(raw, today, date1904=False):
    """A birth date from a date cell, an Excel serial number or text; not in the future, not before 1880."""
    if is_empty(raw):
        return None
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, time):
        raise ValueProblem("Sel ini berisi jam saja, bukan tanggal.")
    elif isinstance(raw, date):
        value = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        if not float(raw).is_integer() or not 1 <= raw <= 80000:
            raise ValueProblem("Angka ini bukan tanggal Excel yang sah.")
        value = serial_to_date(int(raw), date1904)
    else:
        value = _date_from_text(str(raw).strip(), date1904)
    if value > today:
        raise ValueProblem("Tanggal lahir tidak boleh setelah hari ini.")
    if value.year < 1880:
        raise ValueProblem("Tanggal lahir sebelum tahun 1880 tidak mungkin.")
    return value


def number_input(raw):
    """The NIK/KK cell as nik.py should see it: an intact 16-digit number cell becomes its digits.

    Returns (value, was_number). A whole-number cell is intact when it is below 2**53 and does not end
    in 0 (a spreadsheet keeps 15 significant digits, so a truncated one always ends in 0); anything
    else is passed on unchanged and nik.py reports it as mangled.
    """
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return raw, False
    if isinstance(raw, float) and not raw.is_integer():
        return raw, True
    number = int(raw)
    text = str(number)
    if len(text) == 16 and number < 2**53 and not text.endswith("0"):
        return text, True
    return raw, True
