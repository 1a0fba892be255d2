"""gunicorn settings for an office machine (old dual-core PC or Pi-class box)."""
import os

bind = os.environ.get("KUPANG_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("KUPANG_WORKERS", "2"))
threads = int(os.environ.get("KUPANG_THREADS", "4"))
# Recycle workers now and then so a slow leak can never exhaust a 1 GB box.
max_requests = 2000
max_requests_jitter = 200
timeout = 60
graceful_timeout = 20
keepalive = 5
# The longest request line gunicorn can take (its maximum): longer URLs reach the app, which answers them
# with its own Indonesian 414 page and security headers (kupang.security.MAX_URL_CHARS).
limit_request_line = 8190
preload_app = True  # import once in the master; workers share the pages copy-on-write
accesslog = os.environ.get("KUPANG_ACCESS_LOG") or None
# Path without the query string: a search by NIK must not land in a log file.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("KUPANG_LOG_LEVEL", "info")
proc_name = "kupang"


def post_fork(server, worker):
    """Each worker opens its own database connections (none inherited from the master) and answers
    the requests gunicorn itself refuses in the app's style."""
    from kupang.extensions import db
    from kupang.serve_errors import install

    install()

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """Before the workers fork: every template compiled once for all of them (kupang/warmup.py); then today's
    NIK snapshot for the reports, and a background backup when the last good one is over 24 hours old
    (neither is ever done in a page view, neither blocks)."""
    from kupang.ops.jobs import backup_if_stale
    from kupang.reports.snapshots import snapshot_at_start
    from kupang.warmup import warm

    app = server.app.wsgi()
    warm(app)
    snapshot_at_start(app)
    backup_if_stale(app)
