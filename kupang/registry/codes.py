"""SIAK code lists, numbered as on the printed KK (source: Dukcapil SIAK reference tables)."""

SEX = {1: "Laki-laki", 2: "Perempuan"}

RELIGION = {1: "Islam", 2: "Kristen", 3: "Katolik", 4: "Hindu", 5: "Buddha", 6: "Khonghucu",
            7: "Kepercayaan terhadap Tuhan YME"}

MARITAL = {1: "Belum kawin", 2: "Kawin", 3: "Cerai hidup", 4: "Cerai mati"}

# Status hubungan dalam keluarga.
SHDK = {1: "Kepala keluarga", 2: "Suami", 3: "Istri", 4: "Anak", 5: "Menantu", 6: "Cucu",
        7: "Orang tua", 8: "Mertua", 9: "Famili lain", 10: "Pembantu", 11: "Lainnya"}
SHDK_HEAD, SHDK_HUSBAND, SHDK_WIFE, SHDK_CHILD = 1, 2, 3, 4

EDUCATION = {1: "Tidak/belum sekolah", 2: "Belum tamat SD/sederajat", 3: "Tamat SD/sederajat",
             4: "SLTP/sederajat", 5: "SLTA/sederajat", 6: "Diploma I/II", 7: "Akademi/Diploma III/Sarjana muda",
             8: "Diploma IV/Strata I", 9: "Strata II", 10: "Strata III"}

CITIZENSHIP = {1: "WNI", 2: "WNA", 3: "Dua kewarganegaraan"}  # 3: as SIAK and OpenSID (children, UU 12/2006)

BLOOD_TYPE = {1: "A", 2: "B", 3: "AB", 4: "O", 5: "A+", 6: "A-", 7: "B+", 8: "B-", 9: "AB+", 10: "AB-",
              11: "O+", 12: "O-", 13: "Tidak tahu"}

LIFE_STATUS = {"hidup": "Hidup", "mati": "Meninggal", "pindah": "Pindah", "hilang": "Hilang", "pergi": "Pergi",
               "tdk_valid": "Tidak valid"}  # tdk_valid: OpenSID's status_dasar 9, a record found to be wrong

EVENT_KINDS = {"lahir": "Kelahiran", "mati": "Kematian", "pindah_datang": "Pindah datang",
               "pindah_keluar": "Pindah keluar", "hilang": "Hilang", "pergi": "Pergi",
               "koreksi": "Koreksi data", "gabung": "Penggabungan data ganda", "pindah_kk": "Pindah KK"}

# The 89 SIAK occupations (jenis pekerjaan), kept in the `occupation` reference table too.
OCCUPATIONS = {
    1: "Belum/tidak bekerja", 2: "Mengurus rumah tangga", 3: "Pelajar/mahasiswa", 4: "Pensiunan",
    5: "Pegawai negeri sipil", 6: "Tentara Nasional Indonesia", 7: "Kepolisian RI", 8: "Perdagangan",
    9: "Petani/pekebun", 10: "Peternak", 11: "Nelayan/perikanan", 12: "Industri", 13: "Konstruksi",
    14: "Transportasi", 15: "Karyawan swasta", 16: "Karyawan BUMN", 17: "Karyawan BUMD", 18: "Karyawan honorer",
    19: "Buruh harian lepas", 20: "Buruh tani/perkebunan", 21: "Buruh nelayan/perikanan", 22: "Buruh peternakan",
    23: "Pembantu rumah tangga", 24: "Tukang cukur", 25: "Tukang listrik", 26: "Tukang batu", 27: "Tukang kayu",
    28: "Tukang sol sepatu", 29: "Tukang las/pandai besi", 30: "Tukang jahit", 31: "Tukang gigi", 32: "Penata rias",
    33: "Penata busana", 34: "Penata rambut", 35: "Mekanik", 36: "Seniman", 37: "Tabib", 38: "Paraji",
    39: "Perancang busana", 40: "Penterjemah", 41: "Imam masjid", 42: "Pendeta", 43: "Pastor", 44: "Wartawan",
    45: "Ustadz/mubaligh", 46: "Juru masak", 47: "Promotor acara", 48: "Anggota DPR-RI", 49: "Anggota DPD",
    50: "Anggota BPK", 51: "Presiden", 52: "Wakil presiden", 53: "Anggota Mahkamah Konstitusi",
    54: "Anggota kabinet/kementerian", 55: "Duta besar", 56: "Gubernur", 57: "Wakil gubernur", 58: "Bupati",
    59: "Wakil bupati", 60: "Walikota", 61: "Wakil walikota", 62: "Anggota DPRD provinsi",
    63: "Anggota DPRD kabupaten/kota", 64: "Dosen", 65: "Guru", 66: "Pilot", 67: "Pengacara", 68: "Notaris",
    69: "Arsitek", 70: "Akuntan", 71: "Konsultan", 72: "Dokter", 73: "Bidan", 74: "Perawat", 75: "Apoteker",
    76: "Psikiater/psikolog", 77: "Penyiar televisi", 78: "Penyiar radio", 79: "Pelaut", 80: "Peneliti",
    81: "Sopir", 82: "Pialang", 83: "Paranormal", 84: "Pedagang", 85: "Perangkat desa", 86: "Kepala desa",
    87: "Biarawati", 88: "Wiraswasta", 89: "Lainnya",
}
