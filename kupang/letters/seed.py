"""Letters demo data: the eight letter types of the office's services, a letterhead, a signatory, a few letters.

Run again, it adds no second copy of a type or signatory and no second batch of letters.
"""
import json
from datetime import timedelta

from sqlalchemy import func, select

from ..auth.models import User
from ..cli import demo_seeder
from ..extensions import db
from ..queue.models import Service
from ..registry.models import Resident
from ..settings import set_setting
from ..timeutil import now_utc
from .issuing import create_draft, issue_letter, void_letter
from .models import Letter, LetterType, Signatory

PENGANTAR = "Surat pengantar RT/RW"
KEPERLUAN = {"name": "keperluan", "label": "Keperluan", "kind": "teks", "required": True}
OPENING = ("Yang bertanda tangan di bawah ini, Lurah {{ kantor.kelurahan }}, Kecamatan {{ kantor.kecamatan }}, "
           "Kota {{ kantor.kota }}, dengan ini menerangkan bahwa:")
IDENTITY = ("Nama: {{ penduduk.nama }}\nNIK: {{ penduduk.nik }}\n"
            "Tempat/tanggal lahir: {{ penduduk.tempat_lahir }}, {{ penduduk.tanggal_lahir }}\n"
            "Jenis kelamin: {{ penduduk.jenis_kelamin }}\nAgama: {{ penduduk.agama }}\n"
            "Status perkawinan: {{ penduduk.status_kawin }}\nPekerjaan: {{ penduduk.pekerjaan }}\n"
            "Alamat: {{ penduduk.alamat }}, RT {{ penduduk.rt }} / RW {{ penduduk.rw }}")
CLOSING = "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat dipergunakan sebagaimana mestinya."
# (title, code, service prefix, needs NIK, resident rule, validity days, fields, requirements, body)
TYPES = [
    ("Surat Pengantar KTP-el / Kartu Keluarga", "470", "A", True, "hidup", 30, [KEPERLUAN],
     [PENGANTAR, "Kartu Keluarga asli"],
     IDENTITY + "\n\nadalah benar warga Kelurahan {{ kantor.kelurahan }} dan diberikan pengantar untuk "
                "{{ surat.keperluan }} pada Dinas Kependudukan dan Pencatatan Sipil Kota Kupang."),
    ("Surat Keterangan Domisili", "474", "B", True, "hidup", 90, [KEPERLUAN],
     [PENGANTAR, "KTP-el asli dan fotokopi", "Kartu Keluarga fotokopi"],
     IDENTITY + "\n\nadalah benar berdomisili di alamat tersebut di atas, dalam wilayah Kelurahan "
                "{{ kantor.kelurahan }}. Surat keterangan ini diberikan untuk keperluan {{ surat.keperluan }}."),
    ("Surat Keterangan Tidak Mampu (SKTM)", "400", "C", True, "hidup", 90, [KEPERLUAN],
     [PENGANTAR, "KTP-el dan Kartu Keluarga fotokopi", "Surat pernyataan tidak mampu bermeterai"],
     IDENTITY + "\n\nadalah benar warga Kelurahan {{ kantor.kelurahan }} yang tergolong keluarga tidak mampu. "
                "Surat keterangan ini diberikan untuk keperluan {{ surat.keperluan }}."),
    ("Surat Keterangan Usaha", "503", "D", True, "hidup", 180,
     [{"name": "nama_usaha", "label": "Nama usaha", "kind": "teks", "required": True},
      {"name": "jenis_usaha", "label": "Jenis usaha", "kind": "teks", "required": True},
      {"name": "alamat_usaha", "label": "Alamat usaha", "kind": "teks", "required": True}, KEPERLUAN],
     [PENGANTAR, "Foto tempat usaha"],
     IDENTITY + "\n\nadalah benar memiliki usaha {{ surat.jenis_usaha }} dengan nama \"{{ surat.nama_usaha }}\" "
                "yang beralamat di {{ surat.alamat_usaha }}. Surat keterangan ini diberikan untuk keperluan "
                "{{ surat.keperluan }}."),
    ("Surat Keterangan Kelahiran", "472.11", "E", True, "hidup", None,
     [{"name": "nama_anak", "label": "Nama anak", "kind": "teks", "required": True},
      {"name": "jenis_kelamin_anak", "label": "Jenis kelamin anak", "kind": "teks", "required": True},
      {"name": "tempat_lahir_anak", "label": "Tempat lahir anak", "kind": "teks", "required": True},
      {"name": "tanggal_lahir_anak", "label": "Tanggal lahir anak", "kind": "tanggal", "required": True},
      {"name": "nama_ibu", "label": "Nama ibu", "kind": "teks", "required": True}],
     ["Surat keterangan lahir dari bidan/rumah sakit", "Buku nikah / akta perkawinan"],
     "Pada tanggal {{ surat.tanggal_lahir_anak }} di {{ surat.tempat_lahir_anak }} telah lahir seorang anak "
     "{{ surat.jenis_kelamin_anak }} bernama {{ surat.nama_anak }}, dari seorang ibu bernama {{ surat.nama_ibu }} "
     "dan ayah:\n\n" + IDENTITY),
    ("Surat Keterangan Kematian", "472.12", "F", True, "mati", None,
     [{"name": "tanggal_meninggal", "label": "Tanggal meninggal", "kind": "tanggal", "required": True},
      {"name": "tempat_meninggal", "label": "Tempat meninggal", "kind": "teks", "required": True},
      {"name": "sebab", "label": "Sebab kematian", "kind": "teks", "required": True},
      {"name": "pelapor", "label": "Nama pelapor", "kind": "teks", "required": True},
      {"name": "hubungan_pelapor", "label": "Hubungan pelapor", "kind": "teks", "required": False}],
     ["Surat keterangan kematian dari rumah sakit/puskesmas (bila ada)", "KTP-el pelapor"],
     IDENTITY + "\n\ntelah meninggal dunia pada tanggal {{ surat.tanggal_meninggal }} di "
                "{{ surat.tempat_meninggal }} karena {{ surat.sebab }}. Kematian ini dilaporkan oleh "
                "{{ surat.pelapor }} {{ surat.hubungan_pelapor }}."),
    ("Surat Keterangan Pindah", "474.2", "G", True, "hidup", 30,
     [{"name": "alamat_tujuan", "label": "Alamat tujuan", "kind": "paragraf", "required": True},
      {"name": "alasan_pindah", "label": "Alasan pindah", "kind": "teks", "required": True},
      {"name": "anggota_pindah", "label": "Anggota keluarga yang ikut pindah", "kind": "paragraf",
       "required": False}],
     [PENGANTAR, "Kartu Keluarga asli", "KTP-el semua anggota yang pindah"],
     IDENTITY + "\n\nakan pindah ke {{ surat.alamat_tujuan }} dengan alasan {{ surat.alasan_pindah }}. "
                "Anggota keluarga yang ikut pindah: {{ surat.anggota_pindah | default('-', true) }}."),
    ("Surat Keterangan", "470.1", None, False, "semua", 30,
     [{"name": "keterangan", "label": "Isi keterangan", "kind": "paragraf", "required": True}, KEPERLUAN],
     [PENGANTAR],
     IDENTITY + "\n\n{{ surat.keterangan }}\n\nSurat keterangan ini diberikan untuk keperluan "
                "{{ surat.keperluan }}."),
]
DEMO_VALUES = {"keperluan": "melamar pekerjaan", "nama_usaha": "Kios Sejahtera", "jenis_usaha": "kios sembako",
               "alamat_usaha": "Jl. Timor Raya No. 5, Kupang"}


def seed_types():
    """Add the letter types that are not there yet; returns {title: LetterType}."""
    existing = {t.title: t for t in db.session.scalars(select(LetterType))}
    services = {s.prefix: s.id for s in db.session.scalars(select(Service))}
    for order, (title, code, prefix, nik, rule, days, fields, requirements, body) in enumerate(TYPES, start=1):
        if title in existing:
            continue
        existing[title] = LetterType(
            title=title, code=code, service_id=services.get(prefix), needs_nik=nik, resident_rule=rule,
            validity_days=days, fields_json=json.dumps(fields, ensure_ascii=False),
            requirements_json=json.dumps(requirements, ensure_ascii=False), opening=OPENING, body=body,
            closing=CLOSING, active=True, sort_order=order * 10)
        db.session.add(existing[title])
    db.session.flush()
    return existing


def seed_signatory():
    """The lurah as signatory (and the letterhead's address), once."""
    signatory = db.session.scalar(select(Signatory).order_by(Signatory.id).limit(1))
    if signatory is None:
        signatory = Signatory(name="Drs. Markus Ndoen", nip="197203151998031004", position="Lurah Naikoten Dua",
                              prefix="", active=True)
        db.session.add(signatory)
        for key, value in (("alamat", "Jl. Soeharto No. 37, Naikoten Dua, Kupang"), ("telepon", "(0380) 821234"),
                           ("email", "kel.naikotendua@kupangkota.go.id"), ("kelurahan", "NKT.II")):
            set_setting(f"surat.{key}", value)
        db.session.flush()
    return signatory


def seed_letters(types, signatory):
    """Four issued letters (one voided) and one draft, for residents with a NIK; only into an empty table."""
    if db.session.scalar(select(func.count()).select_from(Letter)):
        return
    user = db.session.scalar(select(User).where(User.username == "petugas1"))
    people = db.session.scalars(select(Resident).where(Resident.nik.is_not(None), Resident.life_status == "hidup",
                                                       Resident.merged_into_id.is_(None))
                                .order_by(Resident.id).limit(5)).all()
    if len(people) < 5 or user is None:
        return
    titles = ["Surat Keterangan Domisili", "Surat Keterangan Tidak Mampu (SKTM)", "Surat Keterangan Usaha",
              "Surat Pengantar KTP-el / Kartu Keluarga"]
    start = now_utc() - timedelta(hours=len(titles) + 1)
    for index, (title, resident) in enumerate(zip(titles, people, strict=False)):
        letter_type = types[title]
        values = {f["name"]: DEMO_VALUES.get(f["name"], "") for f in letter_type.fields}
        at = start + timedelta(hours=index)
        letter = create_draft(letter_type, resident, values=values, checked=letter_type.requirements, user=user)
        letter.created_at = letter.updated_at = at - timedelta(minutes=10)
        letter = issue_letter(letter, version=letter.version, signatory_id=signatory.id, user=user, at=at)
        if index == 3:
            void_letter(letter, version=letter.version, reason="Salah ketik keperluan; diganti surat baru.",
                        user=user)
    domisili = types["Surat Keterangan Domisili"]
    create_draft(domisili, people[4], values={"keperluan": "pendaftaran sekolah anak"}, checked=[], user=user)


@demo_seeder(35)
def seed_letters_area(options):
    """seed-demo: letter types, letterhead, a signatory and a few letters."""
    types = seed_types()
    signatory = seed_signatory()
    db.session.commit()
    seed_letters(types, signatory)
    db.session.commit()
