"""The survey's questions as PermenPANRB 14/2017 words them: nine elements, each on a 4-point scale.

Element order and names follow the regulation's list of survey elements (unsur); the question and the
four answers of each follow its sample questionnaire (answer a = 1 ... d = 4). The respondent profile
(age, sex, education, occupation) is optional; no name and no NIK are ever asked.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    """One survey element (unsur): its key (u1..u9), name, question and the four answers, worst first."""

    key: str
    number: int
    name: str
    question: str
    answers: tuple


ELEMENTS = (
    Element("u1", 1, "Persyaratan",
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    Element("u2", 2, "Sistem, mekanisme, dan prosedur",
            "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
            ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah")),
    Element("u3", 3, "Waktu penyelesaian",
            "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
            ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")),
    Element("u4", 4, "Biaya/tarif",
            "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
            ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")),
    Element("u5", 5, "Produk spesifikasi jenis pelayanan",
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam "
            "standar pelayanan dengan hasil yang diberikan?",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    Element("u6", 6, "Kompetensi pelaksana",
            "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
            ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten")),
    Element("u7", 7, "Perilaku pelaksana",
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
            ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah")),
    Element("u8", 8, "Penanganan pengaduan, saran dan masukan",
            "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
            ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik")),
    Element("u9", 9, "Sarana dan prasarana",
            "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
            ("Buruk", "Cukup", "Baik", "Sangat baik")),
)
ELEMENT_KEYS = tuple(e.key for e in ELEMENTS)
BY_KEY = {e.key: e for e in ELEMENTS}

# The optional respondent profile, as the regulation's questionnaire lists it (age asked as a band here).
AGE_BANDS = {"lt20": "Di bawah 20 tahun", "20-29": "20–29 tahun", "30-39": "30–39 tahun",
             "40-49": "40–49 tahun", "50-59": "50–59 tahun", "60+": "60 tahun ke atas"}
SEXES = {"L": "Laki-laki", "P": "Perempuan"}
EDUCATIONS = {"sd": "SD ke bawah", "sltp": "SLTP", "slta": "SLTA", "d123": "D1-D2-D3", "s1": "D4/S1",
              "s2": "S2 ke atas"}
OCCUPATIONS = {"pns": "PNS", "tni": "TNI", "polri": "POLRI", "swasta": "Swasta", "wirausaha": "Wirausaha",
               "lainnya": "Lainnya"}
PROFILE = (("age_band", "Usia", AGE_BANDS), ("sex", "Jenis kelamin", SEXES),
           ("education", "Pendidikan terakhir", EDUCATIONS), ("occupation", "Pekerjaan utama", OCCUPATIONS))
COMMENT_MAX = 500


def clean_answers(source):
    """(answers {u1: 1..4}, missing keys) from a form mapping; anything but 1-4 counts as missing."""
    answers, missing = {}, []
    for key in ELEMENT_KEYS:
        value = str(source.get(key, "")).strip()
        if value in ("1", "2", "3", "4"):
            answers[key] = int(value)
        else:
            missing.append(key)
    return answers, missing


def clean_profile(source):
    """The optional profile: known choices only, unknown or empty values become None."""
    return {field: (source.get(field) if source.get(field) in choices else None)
            for field, _label, choices in PROFILE}


def clean_comment(value):
    """A comment: whitespace tidied, control characters dropped, at most COMMENT_MAX characters."""
    text = "".join(ch for ch in str(value or "") if ch.isprintable() or ch in "\n")
    return " ".join(text.split())[:COMMENT_MAX]
