"""RTSP Basic and Digest authentication (RFC 2617/7616 as IP cameras implement them).

Digest is preferred when a server offers both. The password is only ever hashed or
base64-encoded into an Authorization header; it never reaches a text meant for people.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


@dataclass(frozen=True)
class Credentials:
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def present(self) -> bool:
        return bool(self.username)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        return (self.password,)


@dataclass(frozen=True)
class Challenge:
    scheme: str  # "basic" or "digest"
    params: dict[str, str]


def parse_challenges(values: list[str]) -> list[Challenge]:
    """The WWW-Authenticate headers' challenges, Digest first."""
    challenges = []
    for value in values:
        scheme, _, rest = value.strip().partition(" ")
        params = {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(rest)}
        challenges.append(Challenge(scheme.lower(), params))
    return sorted(challenges, key=lambda c: c.scheme != "digest")


class Authenticator:
    """Builds the Authorization header of each request after a server's challenge."""

    def __init__(self, credentials: Credentials, challenge: Challenge) -> None:
        self._credentials = credentials
        self.challenge = challenge
        self._count = 0

    @classmethod
    def choose(cls, credentials: Credentials, headers: list[str]) -> Authenticator | None:
        """An authenticator for the best challenge we can answer, or None."""
        for challenge in parse_challenges(headers):
            if challenge.scheme == "basic":
                return cls(credentials, challenge)
            algorithm = challenge.params.get("algorithm", "MD5").upper()
            if (
                challenge.scheme == "digest"
                and algorithm in _HASHES
                and "nonce" in challenge.params
            ):
                return cls(credentials, challenge)
        return None

    def header(self, method: str, uri: str) -> str:
        user = self._credentials.username or ""
        password = self._credentials.password or ""
        if self.challenge.scheme == "basic":
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            return f"Basic {token}"
        return self._digest(method, uri, user, password)

    def _digest(self, method: str, uri: str, user: str, password: str) -> str:
        p = self.challenge.params
        algorithm = p.get("algorithm", "MD5").upper()

        def h(text: str) -> str:
            return _HASHES[algorithm](text.encode()).hexdigest()

        realm, nonce = p.get("realm", ""), p["nonce"]
        ha1, ha2 = h(f"{user}:{realm}:{password}"), h(f"{method}:{uri}")
        fields = {"username": user, "realm": realm, "nonce": nonce, "uri": uri}
        qops = [q.strip() for q in p.get("qop", "").split(",")]
        if "auth" in qops:
            self._count += 1
            nc, cnonce = f"{self._count:08x}", os.urandom(8).hex()
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields |= {"qop": "auth", "nc": nc, "cnonce": cnonce}
        else:
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields["response"] = response
        if "opaque" in p:
            fields["opaque"] = p["opaque"]
        if "algorithm" in p:
            fields["algorithm"] = p["algorithm"]
        unquoted = {"qop", "nc", "algorithm"}
        parts = [f"{k}={v}" if k in unquoted else f'{k}="{v}"' for k, v in fields.items()]
        return "Digest " + ", ".join(parts)


class ChallengeCache:
    """The last challenge each camera accepted our login for, keyed by (host:port, username).

    With it a probe sends its credentials with the first request instead of after a 401: one
    round trip less per probe. Only accepted challenges are kept and any 401 drops the entry,
    so a wrong password still costs exactly one failed login per probe. Bounded: the oldest
    entries go first.
    """

    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._challenges: OrderedDict[tuple[str, str], Challenge] = OrderedDict()

    def authenticator(self, key: tuple[str, str], credentials: Credentials) -> Authenticator | None:
        challenge = self._challenges.get(key)
        return Authenticator(credentials, challenge) if challenge and credentials.present else None

    def remember(self, key: tuple[str, str], challenge: Challenge) -> None:
        self._challenges[key] = challenge
        self._challenges.move_to_end(key)
        if len(self._challenges) > self._size:
            self._challenges.popitem(last=False)

    def forget(self, key: tuple[str, str]) -> None:
        self._challenges.pop(key, None)


CHALLENGES = ChallengeCache()
