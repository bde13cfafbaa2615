import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from camhealth.camera_registry.credentials import CredentialsError, MissingKeyError, write_key_file
from camhealth.camera_registry.database import create_engine
from camhealth.camera_registry.models import CameraCredential
from camhealth.camera_registry.store import Changes, Registry
from camhealth.config import Settings
from tests.registry.builders import PASSWORD, area, camera, rows, settings_for

HOW_TO_FIX = "set CAMHEALTH_CREDENTIALS__KEY or credentials.key_file"


async def _store_password(settings: Settings) -> None:
    async with await Registry.open(settings) as registry:
        await registry.apply_areas(rows(area("a1")))
        await registry.apply_cameras(rows(camera("c1", username="admin", password=PASSWORD)))


async def _raw_tokens(url: str) -> list[bytes]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        tokens = list(await conn.scalars(select(CameraCredential.token)))
    await engine.dispose()
    return tokens


async def test_credentials_are_encrypted_at_rest(settings: Settings, database_url: str) -> None:
    await _store_password(settings)
    [token] = await _raw_tokens(database_url)
    assert PASSWORD.encode() not in token
    assert b"admin" not in token
    async with await Registry.open(settings) as registry:
        assert await registry.credentials("c1") == ("admin", PASSWORD)
        assert await registry.credentials("c2") == (None, None)
        assert await registry.all_credentials() == {"c1": ("admin", PASSWORD)}
        listed = await registry.list_cameras()
        assert listed[0].password is None and listed[0].username is None
        assert await registry.has_credentials("c1")


async def test_password_in_the_url_goes_to_the_credential_store(registry: Registry) -> None:
    await registry.apply_areas(rows(area("a1")))
    await registry.apply_cameras(rows(camera("c1", rtsp_url=f"rtsp://op:{PASSWORD}@10.0.0.9/s")))
    stored = await registry.get_camera("c1")
    assert stored is not None and stored.rtsp_url == "rtsp://10.0.0.9/s"
    assert await registry.credentials("c1") == ("op", PASSWORD)


async def test_changed_credentials_count_as_updated_and_absent_ones_are_kept(
    registry: Registry,
) -> None:
    await registry.apply_areas(rows(area("a1")))
    await registry.apply_cameras(rows(camera("c1", username="admin", password="old")))
    changed = rows(camera("c1", username="admin", password="new"))
    assert await registry.apply_cameras(changed) == Changes(updated=1)
    assert await registry.apply_cameras(changed) == Changes(unchanged=1)
    assert await registry.apply_cameras(rows(camera("c1"))) == Changes(unchanged=1)
    assert await registry.credentials("c1") == ("admin", "new")


async def test_start_up_without_a_key_is_refused_when_credentials_exist(database_url: str) -> None:
    await _store_password(settings_for(database_url))
    with pytest.raises(MissingKeyError) as caught:
        await Registry.open(settings_for(database_url, key=None))
    message = str(caught.value)
    assert "stored camera credentials exist" in message
    assert HOW_TO_FIX in message and "camhealth keys generate" in message


async def test_importing_credentials_without_a_key_is_refused(database_url: str) -> None:
    async with await Registry.open(settings_for(database_url, key=None)) as registry:
        await registry.apply_areas(rows(area("a1")))
        with pytest.raises(MissingKeyError, match=HOW_TO_FIX):
            await registry.apply_cameras(
                rows(camera("c1"), camera("c2", username="u", password=PASSWORD))
            )
        assert await registry.list_cameras() == []
        # Without credentials no key is needed.
        assert await registry.apply_cameras(rows(camera("c1"))) == Changes(created=1)


async def test_a_wrong_key_is_named_without_secrets(database_url: str) -> None:
    await _store_password(settings_for(database_url))
    other = Fernet.generate_key().decode()
    with pytest.raises(CredentialsError) as caught:
        await Registry.open(settings_for(database_url, key=other))
    assert "does not decrypt the stored credentials" in str(caught.value)
    assert other not in str(caught.value) and PASSWORD not in str(caught.value)


async def test_a_malformed_key_is_named(database_url: str) -> None:
    with pytest.raises(CredentialsError, match="not a Fernet key") as caught:
        await Registry.open(settings_for(database_url, key="not-a-key"))
    assert "not-a-key" not in str(caught.value)


async def test_key_file(database_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "camhealth.key"
    write_key_file(key_file)
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    with_file = settings_for(database_url, key=None, CAMHEALTH_CREDENTIALS__KEY_FILE=str(key_file))
    await _store_password(with_file)
    async with await Registry.open(with_file) as registry:
        assert await registry.credentials("c1") == ("admin", PASSWORD)
    with pytest.raises(FileExistsError):
        write_key_file(key_file)  # never overwrite the key that opens stored credentials
    missing = settings_for(
        database_url, key=None, CAMHEALTH_CREDENTIALS__KEY_FILE=str(tmp_path / "nope")
    )
    with pytest.raises(CredentialsError, match="cannot read the credentials key file"):
        await Registry.open(missing)
