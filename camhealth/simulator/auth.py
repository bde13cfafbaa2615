"""Server side of RTSP authentication: Basic and Digest (RFC 2617, MD5, with or without qop).

Nonces are stateless: a timestamp signed with a per-server secret, so thousands of cameras keep
no per-client state and a nonce from another server (or a forged one) is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time

NONCE_LIFETIME = 3600.0  # seconds; clients reuse one nonce for a whole session
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Authenticator:
    """Challenges clients and checks their Authorization headers against one camera's account."""

    def __init__(self, realm: str = "IP Camera", schemes: tuple[str, ...] = ("digest", "basic")):
        self.realm = realm
        self.schemes = schemes
        self._secret = secrets.token_bytes(16)

    def challenges(self) -> list[str]:
        """The WWW-Authenticate values of a 401 reply, in order of preference."""
        values = []
        if "digest" in self.schemes:
            values.append(f'Digest realm="{self.realm}", nonce="{self._nonce()}", algorithm=MD5')
        if "basic" in self.schemes:
            values.append(f'Basic realm="{self.realm}"')
        return values

    def verify(self, authorization: str | None, method: str, username: str, password: str) -> bool:
        if not authorization:
            return False
        scheme, _, params = authorization.strip().partition(" ")
        if scheme.lower() == "basic" and "basic" in self.schemes:
            return self._basic(params.strip(), username, password)
        if scheme.lower() == "digest" and "digest" in self.schemes:
            return self._digest(params, method, username, password)
        return False

    def _basic(self, token: str, username: str, password: str) -> bool:
        try:
            given = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, f"{username}:{password}".encode())

    def _digest(self, params: str, method: str, username: str, password: str) -> bool:
        fields = {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(params)}
        if fields.get("username") != username or fields.get("realm") != self.realm:
            return False
        nonce, uri = fields.get("nonce", ""), fields.get("uri", "")
        if not self._nonce_valid(nonce):
            return False
        ha1 = _md5(f"{username}:{self.realm}:{password}")
        ha2 = _md5(f"{method}:{uri}")
        if fields.get("qop"):
            nc, cnonce, qop = fields.get("nc", ""), fields.get("cnonce", ""), fields["qop"]
            expected = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
        else:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        return hmac.compare_digest(expected, fields.get("response", "").lower())

    def _nonce(self, issued: int | None = None) -> str:
        stamp = f"{int(time.time()) if issued is None else issued:x}"
        signature = hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]
        return stamp + signature

    def _nonce_valid(self, nonce: str) -> bool:
        stamp = nonce[:-24]
        try:
            issued = int(stamp, 16)
        except ValueError:
            return False
        fresh = 0 <= time.time() - issued <= NONCE_LIFETIME
        return fresh and hmac.compare_digest(nonce, self._nonce(issued))
