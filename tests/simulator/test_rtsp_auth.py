"""Server side Basic and Digest authentication (RFC 2617)."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from camhealth.simulator.auth import NONCE_LIFETIME, Authenticator
from tests.simulator.rtsp_testclient import digest

URI = "rtsp://127.0.0.1/Streaming/Channels/101"


def test_digest_accepted_only_with_the_right_password() -> None:
    auth = Authenticator()
    challenge = auth.challenges()[0]
    assert challenge.startswith("Digest ")
    assert auth.verify(digest(challenge, "DESCRIBE", URI), "DESCRIBE", "admin", "admin12345")
    assert not auth.verify(
        digest(challenge, "DESCRIBE", URI, password="x"), "DESCRIBE", "admin", "admin12345"
    )
    assert not auth.verify(digest(challenge, "DESCRIBE", URI), "SETUP", "admin", "admin12345")


def test_digest_with_qop() -> None:
    auth = Authenticator()
    nonce = auth.challenges()[0].split('nonce="')[1].split('"')[0]
    md5 = lambda t: hashlib.md5(t.encode()).hexdigest()  # noqa: E731
    ha1, ha2 = md5("admin:IP Camera:pw"), md5(f"PLAY:{URI}")
    response = md5(f"{ha1}:{nonce}:00000001:abc:auth:{ha2}")
    header = (
        f'Digest username="admin", realm="IP Camera", nonce="{nonce}", uri="{URI}", '
        f'qop=auth, nc=00000001, cnonce="abc", response="{response}"'
    )
    assert auth.verify(header, "PLAY", "admin", "pw")


def test_forged_foreign_and_stale_nonces_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = Authenticator(), Authenticator()
    foreign = theirs.challenges()[0]
    assert not ours.verify(digest(foreign, "DESCRIBE", URI), "DESCRIBE", "admin", "admin12345")
    forged = 'Digest realm="IP Camera", nonce="0abc"'
    assert not ours.verify(digest(forged, "DESCRIBE", URI), "DESCRIBE", "admin", "admin12345")
    challenge = ours.challenges()[0]
    later = time.time() + NONCE_LIFETIME + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert not ours.verify(digest(challenge, "DESCRIBE", URI), "DESCRIBE", "admin", "admin12345")


def test_basic_and_the_offered_schemes() -> None:
    token = base64.b64encode(b"admin:admin12345").decode()
    assert Authenticator().verify(f"Basic {token}", "DESCRIBE", "admin", "admin12345")
    assert not Authenticator().verify(f"Basic {token}", "DESCRIBE", "admin", "other")
    assert not Authenticator().verify("Basic !!!", "DESCRIBE", "admin", "admin12345")
    assert not Authenticator(schemes=("digest",)).verify(
        f"Basic {token}", "DESCRIBE", "admin", "admin12345"
    )
    assert [c.split()[0] for c in Authenticator(schemes=("basic",)).challenges()] == ["Basic"]
    assert not Authenticator().verify(None, "DESCRIBE", "admin", "admin12345")
