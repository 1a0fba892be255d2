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
preload_app = True  # import once in the master; workers share the pages copy-on-write
accesslog = os.environ.get("KUPANG_ACCESS_LOG") or None
# Path without the query string: a search by NIK must not land in a log file.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("KUPANG_LOG_LEVEL", "info")
proc_name = "kupang"


def post_fork(server, worker):
    """Each worker opens its own database connections (none inherited from the master)."""
    from kupang.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """Once serving: today's NIK snapshot for the reports, and a background backup when the last good one is
    over 24 hours old (neither is ever done in a page view, neither blocks)."""
    from kupang.ops.jobs import backup_if_stale
    from kupang.reports.snapshots import snapshot_at_start

    app = server.app.wsgi()
    snapshot_at_start(app)
    backup_if_stale(app)
