"""Alert mail over TLS checks whom it talks to: a server with a certificate nobody vouches for is refused."""

from __future__ import annotations

import datetime
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credit_warehouse.alerts.email import send_email
from credit_warehouse.alerts.message import Alert

pytestmark = pytest.mark.integration


def _self_signed(folder) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_smtps_to_a_server_with_an_unverifiable_certificate_is_refused(tmp_path, monkeypatch):
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*_self_signed(tmp_path))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, ssl_context=server_context)
    controller.start()
    try:
        # Airflow's SMTP connection: SSL on (its default), the certificate checked against the system's CAs
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS",
                           f"smtp://localhost:{port}?from_email=credit-warehouse%40localhost&timeout=5")
        with pytest.raises(ssl.SSLCertVerificationError):
            send_email(Alert(kind="batch", title="t", lines=["x"]), ["monitor@example.gov.cn"])
    finally:
        controller.stop()
