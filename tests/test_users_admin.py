"""User administration by admins, the last-admin rule, audit rows and the audit page filters."""
import re

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.auth import accounts
from kupang.auth.models import User, find_user
from kupang.extensions import db
from tests.conftest import PASSWORD

TEMP = "Sementara-Baru-42"


def body(response):
    """Response text."""
    return response.get_data(as_text=True)


def user_id(app, username):
    """The id of a user."""
    with app.app_context():
        return find_user(username).id


def audit_of(app, action):
    """Audit rows of one action, oldest first."""
    with app.app_context():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def user_count(app):
    """How many accounts exist."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(client, login_as):
    """The client logged in as admin1."""
    login_as("admin", "admin1")
    return client


def test_user_list_shows_accounts(admin, make_user):
    make_user("clerk", "budi", must_change=True)
    text = body(admin.get("/pengguna"))
    assert "budi" in text and "admin1" in text and "wajib ganti sandi" in text and "Petugas loket" in text


def test_create_user_forces_password_change(app, admin, auth):
    response = admin.post("/pengguna/baru", data={"username": "Maria.Ndun", "full_name": " Maria Ndun ",
                                                  "role": "clerk", "new_password": TEMP})
    assert response.status_code == 303 and response.headers["Location"] == "/pengguna"
    with app.app_context():
        user = find_user("maria.ndun")
        assert user.full_name == "Maria Ndun" and user.role == "clerk" and user.must_change_password
    row = audit_of(app, "user_created")[-1]
    assert row.username == "admin1" and row.detail_data == {"role": "clerk", "target": "maria.ndun"}
    auth.logout()
    auth.login("maria.ndun", TEMP)
    assert admin.get("/").headers["Location"] == "/akun/kata-sandi"


@pytest.mark.parametrize("fields, message", [
    ({"username": "admin1", "full_name": "X", "role": "clerk", "new_password": TEMP}, "Nama pengguna sudah dipakai."),
    ({"username": "ADMIN1", "full_name": "X", "role": "clerk", "new_password": TEMP}, "Nama pengguna sudah dipakai."),
    ({"username": "budi santoso", "full_name": "X", "role": "clerk", "new_password": TEMP}, "Hanya huruf kecil"),
    ({"username": "ab", "full_name": "X", "role": "clerk", "new_password": TEMP}, "Panjangnya harus 3 sampai 80"),
    ({"username": "budi", "full_name": "X", "role": "root", "new_password": TEMP}, "Pilihan tidak valid."),
    ({"username": "budi", "full_name": "X", "role": "clerk", "new_password": "pendek"}, "minimal 10 karakter"),
    ({"username": "budi", "full_name": "X", "role": "clerk", "new_password": "budi123456x"}, "nama pengguna"),
    ({"username": "budi", "role": "clerk", "new_password": TEMP}, "Wajib diisi."),
    ({}, "Wajib diisi."),
    ({"username": "budi", "full_name": "X" * 500, "role": "clerk", "new_password": TEMP}, "Maksimal 120 karakter."),
])
def test_create_user_bad_input_changes_nothing(app, admin, fields, message):
    before = user_count(app)
    response = admin.post("/pengguna/baru", data=fields)
    assert response.status_code == 400
    assert message in body(response)
    assert "Not a valid" not in body(response) and "Field " not in body(response)
    assert user_count(app) == before
    assert audit_of(app, "user_created")[-1].detail_data["target"] == "admin1"


def test_change_role_ends_sessions_and_is_audited(app, admin, make_user):
    make_user("clerk", "budi")
    uid = user_id(app, "budi")
    response = admin.post(f"/pengguna/{uid}", data={"full_name": "Budi Baru", "role": "supervisor"})
    assert response.status_code == 303
    with app.app_context():
        user = find_user("budi")
        assert user.role == "supervisor" and user.full_name == "Budi Baru" and user.session_epoch == 1
    row = audit_of(app, "user_role_changed")[-1]
    assert row.detail_data == {"new": "supervisor", "old": "clerk", "target": "budi"}
    assert row.username == "admin1" and row.object_id == str(uid)


def test_edit_with_bad_role_changes_nothing(app, admin, make_user):
    make_user("clerk", "budi")
    uid = user_id(app, "budi")
    response = admin.post(f"/pengguna/{uid}", data={"full_name": "", "role": "dewa"})
    assert response.status_code == 400
    assert "Pilihan tidak valid." in body(response) and "Wajib diisi." in body(response)
    with app.app_context():
        assert find_user("budi").role == "clerk"


def test_deactivate_and_reactivate(app, admin, make_user):
    make_user("clerk", "budi")
    uid = user_id(app, "budi")
    response = admin.post(f"/pengguna/{uid}/status")
    assert response.status_code == 303
    assert "dinonaktifkan" in body(admin.get(f"/pengguna/{uid}"))
    with app.app_context():
        assert find_user("budi").active is False
    other = app.test_client()
    assert other.post("/masuk", data={"username": "budi", "password": PASSWORD}).status_code == 200
    admin.post(f"/pengguna/{uid}/status")
    with app.app_context():
        assert find_user("budi").active is True
    assert other.post("/masuk", data={"username": "budi", "password": PASSWORD}).status_code == 302
    assert [r.action for r in audit_of(app, "user_deactivated") + audit_of(app, "user_reactivated")] == [
        "user_deactivated", "user_reactivated"]


def test_reset_password_forces_change(app, admin, make_user):
    make_user("clerk", "budi")
    uid = user_id(app, "budi")
    victim = app.test_client()
    victim.post("/masuk", data={"username": "budi", "password": PASSWORD})
    response = admin.post(f"/pengguna/{uid}/reset", data={"new_password": TEMP})
    assert response.status_code == 303
    assert victim.get("/").status_code == 302
    assert victim.post("/masuk", data={"username": "budi", "password": TEMP}).status_code == 302
    assert victim.get("/").headers["Location"] == "/akun/kata-sandi"
    row = audit_of(app, "user_password_reset")[-1]
    assert row.username == "admin1" and row.detail_data == {"target": "budi"}


def test_reset_password_with_weak_password_changes_nothing(app, admin, make_user):
    make_user("clerk", "budi")
    uid = user_id(app, "budi")
    with app.app_context():
        before = find_user("budi").password_hash
    response = admin.post(f"/pengguna/{uid}/reset", data={"new_password": "123"})
    assert response.status_code == 400 and "minimal 10 karakter" in body(response)
    with app.app_context():
        user = find_user("budi")
        assert user.password_hash == before and not user.must_change_password
    assert audit_of(app, "user_password_reset") == []


@pytest.mark.parametrize("path", ["/pengguna/999", "/pengguna/999/status", "/pengguna/999/reset", "/pengguna/999/2fa"])
def test_unknown_user_id_is_404(admin, path):
    response = admin.post(path) if path.count("/") == 3 else admin.get(path)
    assert response.status_code == 404 and "Halaman tidak ditemukan" in body(response)


def test_non_numeric_user_id_is_404(admin):
    assert admin.get("/pengguna/abc").status_code == 404


# --- the last active admin -----------------------------------------------------------------


def test_last_admin_cannot_be_deactivated_or_demoted(app, admin):
    uid = user_id(app, "admin1")
    refused = admin.post(f"/pengguna/{uid}/status", follow_redirects=True)
    assert "satu-satunya admin yang aktif" in body(refused)
    demoted = admin.post(f"/pengguna/{uid}", data={"full_name": "Nama Baru", "role": "clerk"})
    assert "satu-satunya admin yang aktif" in body(demoted)
    with app.app_context():
        user = find_user("admin1")
        assert user.active and user.role == "admin" and user.full_name != "Nama Baru"
    assert admin.get("/pengguna").status_code == 200
    assert audit_of(app, "user_deactivated") == [] and audit_of(app, "user_role_changed") == []


def test_admin_can_step_down_when_another_admin_exists(app, admin, make_user):
    make_user("admin", "admin2")
    uid = user_id(app, "admin1")
    response = admin.post(f"/pengguna/{uid}", data={"full_name": "Admin Satu", "role": "clerk"})
    assert response.status_code == 303
    assert admin.get("/pengguna").status_code == 302  # own session ended with the role change
    with app.app_context():
        assert find_user("admin1").role == "clerk"
        assert accounts.active_admin_count() == 1
        # admin2 is now the last one: the rule applies to them.
        with pytest.raises(accounts.AccountError):
            accounts.set_active(find_user("admin2"), False, actor=None)


def test_admin_can_deactivate_another_admin_but_not_the_last(app, admin, make_user):
    make_user("admin", "admin2")
    uid2 = user_id(app, "admin2")
    assert admin.post(f"/pengguna/{uid2}/status").status_code == 303
    with app.app_context():
        assert find_user("admin2").active is False
    uid1 = user_id(app, "admin1")
    assert "satu-satunya" in body(admin.post(f"/pengguna/{uid1}/status", follow_redirects=True))


def test_inactive_admins_do_not_count(app, make_user):
    make_user("admin", "admin1")
    make_user("admin", "admin2")
    with app.app_context():
        accounts.set_active(find_user("admin2"), False, actor=None)
        db.session.commit()
        with pytest.raises(accounts.AccountError):
            accounts.change_role(find_user("admin1"), "supervisor", actor=None)


# --- the audit page -------------------------------------------------------------------------


def test_audit_page_filters(app, client, make_user, auth):
    make_user("admin", "admin1")
    make_user("clerk", "budi")
    auth.login("budi")
    auth.logout()
    auth.login("budi", "Salah-Sandi-999")
    auth.login("admin1")
    uid = user_id(app, "budi")

    def rows(**query):
        text = body(client.get("/audit", query_string=query))
        return text.split("<tbody>")[1].split("</tbody>")[0]

    everything = rows()
    assert everything.count("<tr>") == 6  # 2 created, budi in, budi out, budi failed, admin in
    assert "Akun budi dibuat dengan peran Petugas loket." in everything  # details as Indonesian sentences
    assert rows(pengguna="BUDI").count("<tr>") == 3  # in, out, failed
    assert rows(aksi="login_failed").count("<tr>") == 1 and "Gagal masuk" in rows(aksi="login_failed")
    assert rows(aksi="login").count("<tr>") == 2
    assert rows(objek=f"user:{uid}").count("<tr>") == 4
    assert rows(objek="user").count("<tr>") == 6
    assert rows(objek="resident:1").count("<tr>") == 1 and "Tidak ada catatan." in rows(objek="resident:1")
    assert "Tidak ada catatan." in rows(tanggal="2001-01-01")
    from kupang.timeutil import office_today

    with app.app_context():
        today = office_today().isoformat()
    assert rows(tanggal=today).count("<tr>") == 6
    assert rows(tanggal="bukan-tanggal").count("<tr>") == 6  # a malformed date is ignored, not a crash
    assert client.get("/audit", query_string={"sebelum": "x"}).status_code == 200


def test_audit_page_pages_back(app, client, make_user, auth):
    make_user("admin", "admin1")
    from kupang import audit

    with app.app_context():
        for n in range(60):
            audit.record("setting_changed", "setting", n, username="sistem")
        db.session.commit()
    auth.login("admin1")
    first = body(client.get("/audit"))
    assert "Lebih lama" in first
    older = client.get("/audit", query_string={"sebelum": 20})
    assert body(older).count("<tr>") - 1 == 19  # ids 1..19, plus the header row
    assert "Lebih lama" not in body(older)


def test_clerk_cannot_open_audit_or_users(client, login_as):
    login_as("clerk")
    for path in ["/audit", "/pengguna", "/pengguna/baru", "/pengguna/1"]:
        response = client.get(path)
        assert response.status_code == 403 and "Akses ditolak" in body(response)


def test_supervisor_reads_audit_but_not_users(client, login_as):
    login_as("supervisor")
    assert client.get("/audit").status_code == 200
    assert client.get("/pengguna").status_code == 403


# --- the new-user form: least privilege first, an admin only when confirmed ----------------


def test_new_user_form_defaults_to_the_least_privileged_role(admin):
    from kupang.security import ROLES

    text = body(admin.get("/pengguna/baru"))
    options = re.findall(r'<option([^>]*)value="([a-z]+)"([^>]*)>([^<]+)</option>', text)
    assert [value for _a, value, _b, _label in options] == ["clerk", "supervisor", "admin"]
    selected = [value for a, value, b, _label in options if "selected" in a + b]
    assert selected == ["clerk"]
    assert [label for *_rest, label in options] == [ROLES["clerk"], ROLES["supervisor"], ROLES["admin"]]


def test_creating_an_admin_asks_for_confirmation(app, admin):
    fields = {"username": "kepala", "full_name": "Kepala Seksi", "role": "admin", "new_password": TEMP}
    first = admin.post("/pengguna/baru", data=fields)
    text = body(first)
    assert first.status_code == 400
    assert "akses penuh" in text and 'name="confirm_admin"' in text
    assert find_user_role(app, "kepala") is None
    done = admin.post("/pengguna/baru", data={**fields, "confirm_admin": "y"})
    assert done.status_code == 303
    assert find_user_role(app, "kepala") == "admin"


def test_creating_a_clerk_needs_no_admin_confirmation(app, admin):
    text = body(admin.get("/pengguna/baru"))
    assert 'name="confirm_admin"' not in text
    response = admin.post("/pengguna/baru", data={"username": "loket3", "full_name": "Loket Tiga", "role": "clerk",
                                                  "new_password": TEMP})
    assert response.status_code == 303 and find_user_role(app, "loket3") == "clerk"


def find_user_role(app, username):
    """The role of a user, or None when there is no such account."""
    with app.app_context():
        user = find_user(username)
        return user.role if user else None


def test_role_names_are_indonesian_everywhere(app, admin, make_user):
    from kupang.security import ROLES

    assert ROLES == {"clerk": "Petugas loket", "supervisor": "Pimpinan / pengawas", "admin": "Administrator"}
    make_user("supervisor", "lurah")
    listing = body(admin.get("/pengguna"))
    assert "Pimpinan / pengawas" in listing and "Administrator" in listing
    assert ">Supervisor<" not in listing and ">Admin<" not in listing and "supervisor</" not in listing
    assert "Administrator" in body(admin.get("/akun"))  # the header's user box and the account page
    policy = body(admin.get("/pengguna"))
    assert "untuk Administrator dan Pimpinan / pengawas" in policy
