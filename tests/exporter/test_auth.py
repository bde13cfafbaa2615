"""The doors: no login, wrong password, throttling, CSRF, roles, API tokens, cookies, TLS."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner
from yarl import URL

from camhealth.cli import app as cli
from camhealth.exporter import auth
from camhealth.exporter.accounts import Role
from camhealth.exporter.app import build_app, serve
from tests.exporter.conftest import PASSWORDS, log_in, settings_for


@auth.requires(Role.admin)
async def admin_only(request: web.Request) -> web.Response:
    return web.json_response({"user": request[auth.USER].name})


async def page(request: web.Request) -> web.Response:
    return web.Response(text=f"hello {request[auth.USER].name}")


def add_test_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/test-admin", admin_only)
    app.router.add_get("/console-page", page)


async def test_without_a_login_the_api_says_401_and_pages_redirect(start, source, accounts):
    client = await start(source, setup=add_test_routes, accounts=accounts)
    response = await client.get("/api/v1/me")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["status"] == 401
    response = await client.get("/console-page?x=1", allow_redirects=False)
    assert response.status == 302
    location = URL(response.headers["Location"])
    assert location.path == "/login" and location.query["next"] == "/console-page?x=1"
    forged = aiohttp.CookieJar(unsafe=True)
    client.session._cookie_jar = forged  # a made-up session id is no session
    forged.update_cookies({auth.COOKIE: "made-up"})
    assert (await client.get("/api/v1/me")).status == 401


async def test_login_sets_a_safe_cookie_and_identifies_the_user(start, source, accounts):
    client = await start(source, setup=add_test_routes, accounts=accounts)
    response = await client.post(
        "/api/v1/login", json={"name": "vera", "password": PASSWORDS["vera"]}
    )
    assert response.status == 200
    cookie = response.cookies[auth.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]  # no TLS
    me = await (await client.get("/api/v1/me")).json()
    assert me["name"] == "vera" and me["role"] == "viewer" and me["csrf_token"]
    assert await (await client.get("/console-page")).text() == "hello vera"


async def test_wrong_passwords_get_401_then_429_even_for_the_right_one(start, source, accounts):
    client = await start(source, accounts=accounts)
    for _ in range(5):
        wrong = await client.post("/api/v1/login", json={"name": "vera", "password": "guess-123"})
        assert wrong.status == 401
    throttled = await client.post(
        "/api/v1/login", json={"name": "vera", "password": PASSWORDS["vera"]}
    )
    assert throttled.status == 429 and int(throttled.headers["Retry-After"]) > 0
    unknown = await client.post("/api/v1/login", json={"name": "nobody", "password": "x"})
    assert unknown.status == 429  # the same address is throttled for every name


async def test_an_unknown_user_is_just_a_wrong_login(start, source, accounts):
    client = await start(source, accounts=accounts)
    response = await client.post("/api/v1/login", json={"name": "nobody", "password": "whatever"})
    assert response.status == 401
    bad = await client.post("/api/v1/login", json={"name": "vera"})
    assert bad.status == 422
    assert (await bad.json())["details"] == [{"field": "password", "message": "Field required"}]


async def test_cookie_requests_that_change_things_need_the_csrf_token(start, source, accounts):
    client = await start(source, setup=add_test_routes, accounts=accounts)
    csrf = await log_in(client, "ada")
    assert (await client.post("/api/v1/test-admin")).status == 403
    forged = await client.post("/api/v1/test-admin", headers={auth.CSRF_HEADER: "forged"})
    assert forged.status == 403 and "CSRF" in (await forged.json())["error"]
    form = await client.post("/api/v1/test-admin", data={auth.CSRF_FIELD: csrf})
    assert form.status == 200
    ok = await client.post("/api/v1/test-admin", headers={auth.CSRF_HEADER: csrf})
    assert ok.status == 200 and (await ok.json())["user"] == "ada"
    assert (await client.post("/api/v1/logout")).status == 403
    assert (await client.post("/api/v1/logout", headers={auth.CSRF_HEADER: csrf})).status == 204
    assert (await client.get("/api/v1/me")).status == 401


async def test_a_role_too_low_gets_403(start, source, accounts):
    client = await start(source, setup=add_test_routes, accounts=accounts)
    csrf = await log_in(client, "otto")
    response = await client.post("/api/v1/test-admin", headers={auth.CSRF_HEADER: csrf})
    assert response.status == 403 and "admin" in (await response.json())["error"]


async def test_api_tokens_work_without_csrf_and_wrong_ones_do_not(start, source, accounts):
    client = await start(source, setup=add_test_routes, accounts=accounts)
    token = await accounts.create_token("ada")
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/v1/test-admin", headers=bearer)).status == 200
    assert (
        await client.get("/api/v1/me", headers={"Authorization": "Bearer chk_nope"})
    ).status == 401
    await accounts.remove_user("ada")
    assert (await client.post("/api/v1/test-admin", headers=bearer)).status == 401


@pytest.mark.slow  # three real argon2 hashes: about a second each on a busy machine
def test_users_command_reads_the_password_from_stdin_and_prints_a_token(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("CAMHEALTH_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'u.db'}")
    runner = CliRunner()
    added = runner.invoke(
        cli, ["users", "add", "li", "--role", "operator"], input="a-long-password\n"
    )
    assert added.exit_code == 0, added.output
    assert "a-long-password" not in added.output
    assert runner.invoke(cli, ["users", "list"]).output == "li\toperator\n"
    again = runner.invoke(cli, ["users", "add", "li"], input="a-long-password\n")
    assert again.exit_code == 1 and "exists" in again.output
    short = runner.invoke(cli, ["users", "add", "bo"], input="short\n")
    assert short.exit_code == 1 and "at least" in short.output
    token = runner.invoke(cli, ["users", "token", "li"])
    assert token.exit_code == 0 and token.output.startswith("chk_")
    assert runner.invoke(cli, ["users", "token", "nobody"]).exit_code == 1
    assert runner.invoke(cli, ["users", "remove", "li"]).exit_code == 0
    assert runner.invoke(cli, ["users", "list"]).output == ""


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_from_the_configuration_and_secure_cookies(
    tmp_path, source, accounts, unused_tcp_port
):
    cert, key = _self_signed(tmp_path)
    exporter = {
        "host": "127.0.0.1",
        "port": unused_tcp_port,
        "tls_cert": str(cert),
        "tls_key": str(key),
    }
    settings = settings_for(tmp_path, exporter=exporter)
    app = build_app(source, settings, accounts=accounts)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    async with serve(app, settings.exporter), aiohttp.ClientSession() as session:
        base = f"https://127.0.0.1:{unused_tcp_port}"
        assert (await session.get(f"{base}/healthz", ssl=context)).status == 200
        login = {"name": "vera", "password": PASSWORDS["vera"]}
        response = await session.post(f"{base}/api/v1/login", json=login, ssl=context)
        assert response.status == 200 and response.cookies[auth.COOKIE]["secure"]
