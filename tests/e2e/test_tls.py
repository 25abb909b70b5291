"""HTTPS with --tls-cert-file/--tls-key-file, and certificate reload on SIGHUP. The
certificates are made here with openssl, for 127.0.0.1."""
import hashlib
import http.client
import signal
import socket
import ssl
import subprocess

import pytest

from conftest import BINARY, Server, sample_value, wait_until


def make_cert(directory, name):
    cert, key = directory / f"{name}.pem", directory / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def https(server, cafile, method, path, body=None, headers=None):
    context = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def served_certificate(server):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        with context.wrap_socket(sock) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


@pytest.fixture
def tls_server(tmp_path):
    cert, key = make_cert(tmp_path, "first")
    server = Server(["--tls-cert-file", str(cert), "--tls-key-file", str(key)], tmp_path)
    server.cert, server.key, server.dir = cert, key, tmp_path
    yield server
    server.stop()


def test_pushes_and_scrapes_over_https(tls_server):
    body = "# TYPE tls_total counter\ntls_total 2\n"
    for _ in range(2):
        status, _ = https(tls_server, tls_server.cert, "POST", "/update/default", body,
                          {"Content-Type": "text/plain"})
        assert status == 201
    status, text = https(tls_server, tls_server.cert, "GET", "/metrics/default")
    assert status == 200
    assert sample_value(text, "tls_total") == 4
    assert "listening on https://127.0.0.1:" in tls_server.log()


def test_plain_http_to_the_tls_port_gets_no_answer(tls_server):
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        tls_server.request("GET", "/health")
    assert https(tls_server, tls_server.cert, "GET", "/health")[0] == 200  # still serving


def test_untrusted_certificate_is_refused_by_a_verifying_client(tls_server, tmp_path):
    other, _ = make_cert(tmp_path, "other")
    with pytest.raises(ssl.SSLCertVerificationError):
        https(tls_server, other, "GET", "/health")


def test_sighup_reloads_the_certificate(tls_server):
    before = served_certificate(tls_server)
    new_cert, new_key = make_cert(tls_server.dir, "second")
    tls_server.cert.write_bytes(new_cert.read_bytes())
    tls_server.key.write_bytes(new_key.read_bytes())
    tls_server.signal(signal.SIGHUP)
    assert wait_until(lambda: served_certificate(tls_server) != before)
    assert https(tls_server, tls_server.cert, "GET", "/health")[0] == 200
    assert "TLS certificate reloaded" in tls_server.log()


def test_broken_certificate_on_sighup_keeps_the_old_one(tls_server):
    before = served_certificate(tls_server)
    tls_server.cert.write_text("not a certificate")
    tls_server.signal(signal.SIGHUP)
    assert wait_until(lambda: "TLS certificate not reloaded" in tls_server.log())
    assert served_certificate(tls_server) == before


def test_missing_key_or_unreadable_certificate_is_refused_at_start(tmp_path):
    cert, _ = make_cert(tmp_path, "lonely")
    alone = subprocess.run([str(BINARY), "--listen", "127.0.0.1:0", "--tls-cert-file", str(cert)],
                           capture_output=True, text=True, timeout=20)
    assert alone.returncode == 2
    assert "--tls-cert-file and --tls-key-file go together" in alone.stderr
    missing = subprocess.run([str(BINARY), "--listen", "127.0.0.1:0", "--tls-cert-file",
                              str(tmp_path / "nope.pem"), "--tls-key-file", str(tmp_path / "nope")],
                             capture_output=True, text=True, timeout=20)
    assert missing.returncode == 2
    assert "cannot use TLS certificate" in missing.stderr + missing.stdout
