"""kupang: the service intranet of a kelurahan office in Kota Kupang."""
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import db as dbsetup
from . import ops
from .compress import gzip_response
from .config import ROOT, Config, env, kelurahan_info, make_instance_private
from .extensions import csrf, db, login_manager, migrate
from .layout import register_template_helpers
from .params import register_converters
from .security import SessionInterface, refuse_long_urls, refuse_nul_bytes, set_security_headers

__version__ = "0.1.0"


def create_app(config=None):
    """Build the app; `config` (a mapping) overrides settings, as tests do."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, config or {})
    ops.check_schema(app)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def configure(app, overrides):
    """Load settings from the environment, apply overrides, derive the office identity."""
    instance_path = Path(overrides.get("INSTANCE_PATH") or env("INSTANCE_PATH") or app.instance_path)
    make_instance_private(instance_path, overrides.get("SQLALCHEMY_DATABASE_URI") or env("DATABASE_URL") or "")
    app.instance_path = str(instance_path)
    app.config.from_mapping(vars(Config(instance_path)))
    app.config.from_mapping(overrides)
    name, path = kelurahan_info(app.config["KELURAHAN_CODE"], instance_path)
    app.config["KELURAHAN_NAME"] = name
    app.config["KELURAHAN_PATH"] = path
    if not app.config.get("OFFICE_NAME"):
        city = app.config.get("ROLE", "office") == "city"
        app.config["OFFICE_NAME"] = "Pemerintah Kota Kupang" if city else f"Kantor Kelurahan {name}"
    app.config["APP_VERSION"] = __version__
    app.session_interface = SessionInterface()
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_extensions(app):
    """Bind the unbound extensions to this app."""
    db.init_app(app)
    dbsetup.init_engine(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk terlebih dahulu."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    from .auth.models import load_user_from_session

    login_manager.user_loader(load_user_from_session)


def register_blueprints(app):
    """One blueprint per area."""
    from .auth import bp as auth_bp
    from .city import bp as city_bp
    from .dashboard import bp as dashboard_bp
    from .letters import bp as letters_bp
    from .queue import bp as queue_bp
    from .registry import bp as registry_bp
    from .reports import bp as reports_bp
    from .survey import bp as survey_bp

    for bp in (auth_bp, dashboard_bp, registry_bp, queue_bp, letters_bp, reports_bp, survey_bp, city_bp):
        app.register_blueprint(bp)
    ops.init_app(app)


ERROR_TEXT = {
    400: ("Permintaan tidak valid", "Data yang dikirim tidak dapat diproses. Periksa isian lalu coba lagi."),
    403: ("Akses ditolak", "Anda tidak memiliki hak untuk membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Alamat yang Anda buka tidak ada. Periksa kembali alamatnya."),
    405: ("Metode tidak diizinkan", "Halaman ini tidak dapat dibuka dengan cara tersebut."),
    413: ("Data terlalu besar", "Berkas atau isian yang dikirim melebihi batas ukuran."),
    414: ("Alamat terlalu panjang", "Alamat halaman yang dibuka terlalu panjang. Kembali ke halaman sebelumnya lalu "
                                    "persingkat isian pencarian."),
    431: ("Permintaan terlalu besar", "Peramban mengirim data tambahan yang terlalu besar. Hapus cookie situs ini "
                                      "lalu coba lagi."),
    429: ("Terlalu banyak permintaan", "Tunggu sebentar lalu coba lagi."),
    507: ("Penyimpanan server penuh", "Penyimpanan komputer server penuh; data tidak tersimpan. Hubungi admin."),
    500: ("Terjadi kesalahan", "Maaf, terjadi kesalahan pada sistem. Coba lagi; bila berulang, hubungi admin."),
}


def render_error(code, message=None):
    """An Indonesian error page (or a small fragment for htmx), never a traceback."""
    from .htmx import is_htmx

    for own_page in current_app.extensions.get("kupang_error_pages", []):
        page = own_page(code)  # a kiosk or TV gets its own page, never the staff one
        if page is not None:
            return page
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, title=title, text=message or text), code


def register_error_page(app, page):
    """Let an area answer errors of its own pages: page(code) returns a response or None (then the staff page)."""
    app.extensions.setdefault("kupang_error_pages", []).append(page)


def register_errorhandlers(app):
    """Indonesian pages for HTTP errors, CSRF failures and crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, "Formulir sudah tidak berlaku atau tidak sah. Muat ulang halaman lalu coba lagi.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in ERROR_TEXT:
            response = render_error(error.code)
            if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
                return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
            return response
        return error

    @app.errorhandler(Exception)
    def crash(error):
        db.session.rollback()
        full = ops.storage_full_response(error)  # a full disk: say so (nothing was saved), no traceback
        if full is not None:
            return full
        app.logger.exception("Unhandled error: %s", type(error).__name__)
        return render_error(500)


def register_request_hooks(app):
    """Security headers, forced password change / 2FA enrolment, write-intent reset."""
    from .auth.views import enforce_account_requirements

    app.before_request(refuse_long_urls)
    app.before_request(refuse_nul_bytes)
    app.before_request(enforce_account_requirements)
    app.after_request(set_security_headers)
    app.after_request(gzip_response)

    @app.teardown_request
    def _reset(_exc):
        dbsetup.reset_write_flag()


def register_commands(app):
    """Flask CLI commands: init-db, create-user, seed-demo and the areas' own."""
    from .cli import register

    register(app)
