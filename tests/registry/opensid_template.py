"""A workbook equivalent to OpenSID's import template (FormatImporExcel.xlsm), generated from its documented parts.

OpenSID (GPL-3, github.com/OpenSID/OpenSID, assets/import/FormatImporExcel.xlsm) is not copied here: the file
carries VBA code. What is reproduced are facts about it: the sheet names, the 43 column names of the
"Data Penduduk" sheet in order, its example row, the `###` end-of-data row in column B followed by the
instruction block, and the code lists of the "Kode Data" sheet (label and number of each value, row 3 headed).
"""
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import PatternFill

COLUMNS = [
    "alamat", "dusun", "rw", "rt", "nama", "no_kk", "nik", "sex", "tempatlahir", "tanggallahir", "agama_id",
    "pendidikan_kk_id", "pendidikan_sedang_id", "pekerjaan_id", "status_kawin", "kk_level", "warganegara_id",
    "ayah_nik", "nama_ayah", "ibu_nik", "nama_ibu", "golongan_darah_id", "akta_lahir", "dokumen_pasport",
    "tanggal_akhir_paspor", "dokumen_kitas", "akta_perkawinan", "tanggalperkawinan", "akta_perceraian",
    "tanggalperceraian", "cacat_id", "cara_kb_id", "hamil", "ktp_el", "status_rekam", "alamat_sekarang",
    "status_dasar", "suku", "tag_id_card", "id_asuransi", "no_asuransi", "lat", "lng",
]
EXAMPLE = {"alamat": "Jl Melati Raya No. 234", "dusun": "Dusun Satu", "rw": "002", "rt": "001", "nama": "Nama Lengkap",
           "no_kk": "6453654545450056", "nik": "8788888888888456", "sex": 2, "tempatlahir": "Kebumen",
           "tanggallahir": datetime(1978, 3, 28), "agama_id": 1, "pendidikan_kk_id": 2, "pendidikan_sedang_id": 8,
           "pekerjaan_id": 29, "status_kawin": 2, "kk_level": 1, "warganegara_id": 2, "nama_ayah": "Nama Ayah",
           "nama_ibu": "Nama Ibu", "golongan_darah_id": 8, "status_dasar": 1}
INSTRUCTIONS = [
    "Isi data penduduk di baris-baris di atas bagian hijau ini. Keterangan di bagian hijau ini jangan diubah atau "
    "dihapus.",
    "Setiap baris di atas berisi formula yang mendukung penampilan kode pilihan, seperti untuk kode Agama.",
    "Untuk mengaktifkan formula di baris-baris di atas, setting 'Enable Macros' untuk lembar kerja ini harus "
    "diaktifkan.",
    "Apabila baris di atas bagian hijau ini telah terisi semua, sisipkan baris baru di atasnya (Insert > Rows).",
]
KODE_DATA = [
    ('sex', [
        ('LAKI-LAKI', 1), ('PEREMPUAN', 2),
    ]),
    ('agama_id', [
        ('ISLAM', 1), ('KRISTEN', 2), ('KATHOLIK', 3), ('HINDU', 4), ('BUDHA', 5), ('KHONGHUCU', 6),
        ('Kepercayaan Terhadap Tuhan YME / Lainnya', 7),
    ]),
    ('pendidikan_kk_id', [
        ('TIDAK / BELUM SEKOLAH', 1), ('BELUM TAMAT SD/SEDERAJAT', 2), ('TAMAT SD / SEDERAJAT', 3),
        ('SLTP/SEDERAJAT', 4), ('SLTA / SEDERAJAT', 5), ('DIPLOMA I / II', 6), ('AKADEMI/ DIPLOMA III/S. MUDA', 7),
        ('DIPLOMA IV/ STRATA I', 8), ('STRATA II', 9), ('STRATA III', 10),
    ]),
    ('pendidikan_sedang_id', [
        ('BELUM MASUK TK/KELOMPOK BERMAIN', 1), ('SEDANG TK/KELOMPOK BERMAIN', 2), ('TIDAK PERNAH SEKOLAH', 3),
        ('SEDANG SD/SEDERAJAT', 4), ('TIDAK TAMAT SD/SEDERAJAT', 5), ('SEDANG SLTP/SEDERAJAT', 6),
        ('SEDANG SLTA/SEDERAJAT', 7), ('SEDANG  D-1/SEDERAJAT', 8), ('SEDANG D-2/SEDERAJAT', 9),
        ('SEDANG D-3/SEDERAJAT', 10), ('SEDANG  S-1/SEDERAJAT', 11), ('SEDANG S-2/SEDERAJAT', 12),
        ('SEDANG S-3/SEDERAJAT', 13), ('SEDANG SLB A/SEDERAJAT', 14), ('SEDANG SLB B/SEDERAJAT', 15),
        ('SEDANG SLB C/SEDERAJAT', 16), ('TIDAK DAPAT MEMBACA DAN MENULIS HURUF LATIN/ARAB', 17),
        ('TIDAK SEDANG SEKOLAH', 18),
    ]),
    ('pekerjaan_id', [
        ('BELUM/TIDAK BEKERJA', 1), ('MENGURUS RUMAH TANGGA', 2), ('PELAJAR/MAHASISWA', 3), ('PENSIUNAN', 4),
        ('PEGAWAI NEGERI SIPIL (PNS)', 5), ('TENTARA NASIONAL INDONESIA (TNI)', 6), ('KEPOLISIAN RI (POLRI)', 7),
        ('PERDAGANGAN', 8), ('PETANI/PEKEBUN', 9), ('PETERNAK', 10), ('NELAYAN/PERIKANAN', 11), ('INDUSTRI', 12),
        ('KONSTRUKSI', 13), ('TRANSPORTASI', 14), ('KARYAWAN SWASTA', 15), ('KARYAWAN BUMN', 16),
        ('KARYAWAN BUMD', 17), ('KARYAWAN HONORER', 18), ('BURUH HARIAN LEPAS', 19), ('BURUH TANI/PERKEBUNAN', 20),
        ('BURUH NELAYAN/PERIKANAN', 21), ('BURUH PETERNAKAN', 22), ('PEMBANTU RUMAH TANGGA', 23),
        ('TUKANG CUKUR', 24), ('TUKANG LISTRIK', 25), ('TUKANG BATU', 26), ('TUKANG KAYU', 27),
        ('TUKANG SOL SEPATU', 28), ('TUKANG LAS/PANDAI BESI', 29), ('TUKANG JAHIT', 30), ('TUKANG GIGI', 31),
        ('PENATA RIAS', 32), ('PENATA BUSANA', 33), ('PENATA RAMBUT', 34), ('MEKANIK', 35), ('SENIMAN', 36),
        ('TABIB', 37), ('PARAJI', 38), ('PERANCANG BUSANA', 39), ('PENTERJEMAH', 40), ('IMAM MASJID', 41),
        ('PENDETA', 42), ('PASTOR', 43), ('WARTAWAN', 44), ('USTADZ/MUBALIGH', 45), ('JURU MASAK', 46),
        ('PROMOTOR ACARA', 47), ('ANGGOTA DPR-RI', 48), ('ANGGOTA DPD', 49), ('ANGGOTA BPK', 50), ('PRESIDEN', 51),
        ('WAKIL PRESIDEN', 52), ('ANGGOTA MAHKAMAH KONSTITUSI', 53), ('ANGGOTA KABINET KEMENTERIAN', 54),
        ('DUTA BESAR', 55), ('GUBERNUR', 56), ('WAKIL GUBERNUR', 57), ('BUPATI', 58), ('WAKIL BUPATI', 59),
        ('WALIKOTA', 60), ('WAKIL WALIKOTA', 61), ('ANGGOTA DPRD PROVINSI', 62),
        ('ANGGOTA DPRD KABUPATEN/KOTA', 63), ('DOSEN', 64), ('GURU', 65), ('PILOT', 66), ('PENGACARA', 67),
        ('NOTARIS', 68), ('ARSITEK', 69), ('AKUNTAN', 70), ('KONSULTAN', 71), ('DOKTER', 72), ('BIDAN', 73),
        ('PERAWAT', 74), ('APOTEKER', 75), ('PSIKIATER/PSIKOLOG', 76), ('PENYIAR TELEVISI', 77),
        ('PENYIAR RADIO', 78), ('PELAUT', 79), ('PENELITI', 80), ('SOPIR', 81), ('PIALANG', 82), ('PARANORMAL', 83),
        ('PEDAGANG', 84), ('PERANGKAT DESA', 85), ('KEPALA DESA', 86), ('BIARAWATI', 87), ('WIRASWASTA', 88),
        ('LAINNYA', 89),
    ]),
    ('status_kawin', [
        ('BELUM KAWIN', 1), ('KAWIN', 2), ('CERAI HIDUP', 3), ('CERAI MATI', 4),
    ]),
    ('kk_level', [
        ('KEPALA KELUARGA', 1), ('SUAMI', 2), ('ISTRI', 3), ('ANAK', 4), ('MENANTU', 5), ('CUCU', 6),
        ('ORANGTUA', 7), ('MERTUA', 8), ('FAMILI LAIN', 9), ('PEMBANTU', 10), ('LAINNYA', 11),
    ]),
    ('warganegara_id', [
        ('WNI', 1), ('WNA', 2), ('DUA KEWARGANEGARAAN', 3),
    ]),
    ('golongan_darah_id', [
        ('A', 1), ('B', 2), ('AB', 3), ('O', 4), ('A+', 5), ('A-', 6), ('B+', 7), ('B-', 8), ('AB+', 9),
        ('AB-', 10), ('O+', 11), ('O-', 12), ('TIDAK TAHU', 13),
    ]),
    ('JAMKESNAS', [
        ('ya', 1), ('tidak', 2),
    ]),
    ('cacat_id', [
        ('CACAT FISIK', 1), ('CACAT NETRA/BUTA', 2), ('CACAT RUNGU/WICARA', 3), ('CACAT MENTAL/JIWA', 4),
        ('CACAT FISIK DAN MENTAL', 5), ('CACAT LAINNYA', 6), ('TIDAK CACAT', 7),
    ]),
    ('cara_kb_id', [
        ('Pil', 1), ('IUD', 2), ('Suntik', 3), ('Kondom', 4), ('Susuk KB', 5), ('Sterilisasi Wanita', 6),
        ('Sterilisasi Pria', 7), ('Lainnya', 99),
    ]),
    ('hamil', [
        ('HAMIL', 1), ('TIDAK HAMIL', 2),
    ]),
    ('ktp_el', [
        ('BELUM', 1), ('KTP-EL', 2),
    ]),
    ('status_rekam', [
        ('BELUM WAJIB ', 1), ('BELUM REKAM', 2), ('SUDAH REKAM', 3), ('CARD PRINTED', 4), ('PRINT READY RECORD', 5),
        ('CARD SHIPPED', 6), ('SENT FOR CARD PRINTING', 7), ('CARD ISSUED', 8),
    ]),
    ('status_dasar', [
        ('HIDUP', 1), ('MATI', 2), ('PINDAH', 3), ('HILANG', 4), ('PERGI', 6), ('TIDAK VALID', 9),
    ]),
    ('id_asuransi', [
        ('TIDAK/BELUM PUNYA', 1), ('BPJS PENERIMA BANTUAN IURAN', 2), ('BPJS NON PENERIMA BANTUAN IURAN', 3),
        ('BPJS BANTUAN DAERAH', 4), ('ASURANSI LAINNYA', 99),
    ]),
]
# OpenSID's column -> the import field it fills here.
FIELDS = {"nik": "nik", "no_kk": "kk", "nama": "name", "sex": "sex", "tempatlahir": "birth_place",
          "tanggallahir": "birth_date", "agama_id": "religion", "pendidikan_kk_id": "education",
          "pekerjaan_id": "occupation_code", "status_kawin": "marital_status", "kk_level": "shdk",
          "warganegara_id": "citizenship", "nama_ayah": "father_name", "nama_ibu": "mother_name",
          "golongan_darah_id": "blood_type", "alamat": "address", "rt": "rt", "rw": "rw",
          "status_dasar": "life_status"}
STATUS_DASAR = {1: "hidup", 2: "mati", 3: "pindah", 4: "hilang", 6: "pergi", 9: "tdk_valid"}
GREEN = PatternFill("solid", fgColor="C6EFCE")


def code_lists():
    """{OpenSID column: [(label, number), ...]} of the Kode Data sheet."""
    return {name: pairs for name, pairs in KODE_DATA}


def write_template(path, residents=(EXAMPLE,)):
    """The template with the given residents (dicts keyed by OpenSID column) above the green end block."""
    book = Workbook()
    data = book.active
    data.title = "Data Penduduk"
    data.append(COLUMNS)
    for resident in residents:
        data.append([resident.get(column) for column in COLUMNS])
    end = data.max_row + 1
    data.cell(end, 2, "###")
    for offset, text in enumerate(INSTRUCTIONS):
        data.cell(end + offset, 3, text)
    for row in data.iter_rows(min_row=end, max_row=end + len(INSTRUCTIONS) - 1, max_col=len(COLUMNS)):
        for cell in row:
            cell.fill = GREEN
    codes = book.create_sheet("Kode Data")
    codes.cell(1, 1, "Kode data untuk kolom ber-kode pada lembar Data Penduduk")
    for index, (name, pairs) in enumerate(KODE_DATA):
        codes.cell(3, 2 * index + 1, name)
        codes.cell(3, 2 * index + 2, "id")
        for offset, (label, number) in enumerate(pairs):
            codes.cell(4 + offset, 2 * index + 1, label)
            codes.cell(4 + offset, 2 * index + 2, number)
    book.save(path)
    return path
