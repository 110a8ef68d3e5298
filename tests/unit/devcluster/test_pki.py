"""The dev PKI: a CA-signed serving cert with the in-cluster SANs, an admin in system:masters."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from tether.devcluster import pki


def test_certificates_chain_and_names(tmp_path: Path) -> None:
    keys = pki.create(tmp_path)
    ca = x509.load_pem_x509_certificate(keys.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(keys.server_cert.read_bytes())
    admin = x509.load_pem_x509_certificate(keys.admin_cert.read_bytes())
    server.verify_directly_issued_by(ca)
    admin.verify_directly_issued_by(ca)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    assert "kubernetes.default.svc" in sans.get_values_for_type(x509.DNSName)
    orgs = admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in orgs] == ["system:masters"]


def test_private_keys_are_private(tmp_path: Path) -> None:
    keys = pki.create(tmp_path)
    for key in (keys.ca_key, keys.server_key, keys.admin_key, keys.sa_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
