"""Users of the API and console, their sessions and API tokens, in the registry's database.

Passwords are kept as argon2id hashes; session ids and API tokens only as SHA-256 digests, so
a copy of the database lets nobody log in.  The tables come from migration 0003_accounts.
Hashing a password takes tens of milliseconds of CPU, so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from camhealth.camera_registry.database import open_migrated
from camhealth.config import Settings

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}$"
TOKEN_PREFIX = "chk_"  # noqa: S105 - a marker that makes leaked tokens easy to find, not a secret


class Role(StrEnum):
    """Each role can do everything the ones before it can."""

    viewer = "viewer"  # reads the API, the console and the pictures
    operator = "operator"  # also sets maintenance windows
    admin = "admin"  # also edits the registry

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class User:
    name: str
    role: Role


class AccountError(Exception):
    """A user cannot be added or found; the message is for people."""


metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(64), ForeignKey("users.name", ondelete="CASCADE"), index=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
sessions = Table(
    "sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_name", String(64), ForeignKey("users.name", ondelete="CASCADE"), index=True),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# argon2id with the RFC 9106 "low memory" parameters (64 MiB, 3 passes), the library's default.
SECURE_HASHER = PasswordHasher()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    # SQLite keeps no zone: what it returns was stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Session:
    id: str  # the cookie's value; only its digest is stored
    user: User
    csrf: str
    expires_at: datetime


class Accounts:
    """Users, sessions and tokens of one database: ``await Accounts.open(settings)``, aclose."""

    def __init__(self, engine: AsyncEngine, hasher: PasswordHasher = SECURE_HASHER) -> None:
        self._engine = engine
        self._hasher = hasher
        self._dummy_hash: str | None = None

    @classmethod
    async def open(cls, settings: Settings, hasher: PasswordHasher = SECURE_HASHER) -> Accounts:
        engine = await open_migrated(settings.database.url.get_secret_value())
        return cls(engine, hasher)

    async def aclose(self) -> None:
        """Close the engine (``contextlib.aclosing(accounts)`` calls it)."""
        await self._engine.dispose()

    # -- users --------------------------------------------------------------------------------

    async def add_user(self, name: str, role: Role, password: str) -> User:
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        row = {"name": name, "role": role.value, "password_hash": hashed, "created_at": _now()}
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(users).values(row))
        except IntegrityError:
            raise AccountError(f"user {name!r} exists already") from None
        return User(name, role)

    async def set_password(self, name: str, password: str) -> None:
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(users).where(users.c.name == name).values(password_hash=hashed)
            )
            if not done.rowcount:
                raise AccountError(f"no user {name!r}")
            await conn.execute(delete(sessions).where(sessions.c.user_name == name))

    async def remove_user(self, name: str) -> None:
        async with self._engine.begin() as conn:
            # Children first: SQLite enforces ON DELETE CASCADE only with foreign keys on.
            await conn.execute(delete(sessions).where(sessions.c.user_name == name))
            await conn.execute(delete(api_tokens).where(api_tokens.c.user_name == name))
            done = await conn.execute(delete(users).where(users.c.name == name))
        if not done.rowcount:
            raise AccountError(f"no user {name!r}")

    async def list_users(self) -> list[User]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(users.c.name, users.c.role).order_by(users.c.name))
            return [User(row.name, Role(row.role)) for row in rows]

    async def verify(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs; None otherwise (same time either way)."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(users.c.role, users.c.password_hash).where(users.c.name == name)
                )
            ).first()
        stored = row.password_hash if row else await self._dummy()
        if not await asyncio.to_thread(self._verify, stored, password) or row is None:
            return None
        return User(name, Role(row.role))

    async def _dummy(self) -> str:
        """Verified when the user does not exist: a wrong name takes as long as a wrong password."""
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self._hasher.hash, "not a password")
        return self._dummy_hash

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- API tokens ---------------------------------------------------------------------------

    async def create_token(self, name: str) -> str:
        """A new API token for ``name``; shown once, only its digest is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = {"user_name": name, "digest": digest(token), "created_at": _now()}
        async with self._engine.begin() as conn:
            if await conn.scalar(select(users.c.name).where(users.c.name == name)) is None:
                raise AccountError(f"no user {name!r}")
            await conn.execute(insert(api_tokens).values(row))
        return token

    async def user_for_token(self, token: str) -> User | None:
        query = (
            select(users.c.name, users.c.role)
            .join(api_tokens, api_tokens.c.user_name == users.c.name)
            .where(api_tokens.c.digest == digest(token))
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else User(row.name, Role(row.role))

    # -- sessions -----------------------------------------------------------------------------

    async def start_session(self, user: User, lifetime: timedelta) -> Session:
        session = Session(
            secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), _now() + lifetime
        )
        row = {
            "digest": digest(session.id),
            "user_name": user.name,
            "csrf": session.csrf,
            "expires_at": session.expires_at,
        }
        async with self._engine.begin() as conn:
            await conn.execute(delete(sessions).where(sessions.c.expires_at < _now()))
            await conn.execute(insert(sessions).values(row))
        return session

    async def session(self, session_id: str) -> Session | None:
        query = (
            select(users.c.name, users.c.role, sessions.c.csrf, sessions.c.expires_at)
            .join(sessions, sessions.c.user_name == users.c.name)
            .where(sessions.c.digest == digest(session_id))
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None or _utc(row.expires_at) <= _now():
            return None
        user = User(row.name, Role(row.role))
        return Session(session_id, user, row.csrf, _utc(row.expires_at))

    async def end_session(self, session_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(sessions).where(sessions.c.digest == digest(session_id)))
