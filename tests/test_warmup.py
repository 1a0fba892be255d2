"""The master compiles the device and counter pages' templates before gunicorn forks, so a worker's first
kiosk tap is not slow; and every template compiles."""
import importlib.util
from pathlib import Path

from kupang.warmup import compile_templates, hot_templates

ROOT = Path(__file__).resolve().parents[1]
DEVICE_AND_COUNTER = {"base.html", "queue/kiosk.html", "queue/_kiosk_services.html", "queue/display.html",
                      "queue/_board.html", "queue/ticket_print.html", "queue/counter.html",
                      "queue/_counter_panel.html", "errors/error.html", "auth/login.html"}


def cached_names(app):
    return {key[1] for key, _template in app.jinja_env.cache.items()}


def test_the_pages_that_must_answer_at_once_are_compiled_and_kept(app):
    assert not DEVICE_AND_COUNTER & cached_names(app)
    assert compile_templates(app) == len(hot_templates(app))
    assert cached_names(app) >= DEVICE_AND_COUNTER
    assert "queue/admin_services.html" not in cached_names(app)  # admin pages wait for their first use
    assert app.jinja_env.cache.capacity >= len(hot_templates(app))  # none pushed out again


def test_every_template_compiles(app):
    files = sorted(str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.html"))
    assert compile_templates(app, files) == len(files)


def test_gunicorns_when_ready_warms_the_app_before_the_workers_fork(app, monkeypatch):
    monkeypatch.setenv("KUPANG_BACKUP_ON_START", "0")
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)

    class Server:
        class app:  # noqa: N801 - gunicorn's server.app.wsgi()
            @staticmethod
            def wsgi():
                return app

    conf.when_ready(Server())
    assert cached_names(app) >= DEVICE_AND_COUNTER
