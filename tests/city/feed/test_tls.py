"""The push over HTTPS checks the city's certificate: refused against the system CAs, accepted with KUPANG_CITY_CA."""
import shutil
import ssl
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from kupang.city.feed.push import push_until_drained
from kupang.city.models import FeedState
from kupang.extensions import db
from tests.city.feed.helpers import fill_office, pair


@pytest.fixture
def certificate(tmp_path):
    """(cert, key) of a self-signed certificate for 127.0.0.1, made by openssl."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing (apt-get install openssl)")
    cert, key = tmp_path / "city.pem", tmp_path / "city.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=kota",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def https_city(city_app, certificate):
    """The city app served over HTTPS with the self-signed certificate; its base URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = make_server("127.0.0.1", 0, city_app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_an_unknown_certificate_is_refused_and_a_given_ca_is_trusted(app, city_app, https_city, certificate):
    fill_office(app)
    app.config.update(CITY_URL=https_city, CITY_TOKEN=pair(city_app))
    with app.app_context():
        assert push_until_drained().status == "failed"
        error = db.session.get(FeedState, 1).last_error
        db.session.rollback()
    assert error.startswith("Sertifikat server kota tidak sah")
    app.config["CITY_CA"] = str(certificate[0])
    with app.app_context():
        result = push_until_drained()
    assert (result.status, result.waiting) == ("sent", 0)
