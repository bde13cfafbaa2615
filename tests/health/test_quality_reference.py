"""``camhealth reference set|show``: the operator's reference picture, stored with the camera."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner, Result

from camhealth.cli import app
from tests.health.quality_pictures import camera, defocus, photo

# Each test migrates a fresh SQLite registry: a few seconds.
pytestmark = pytest.mark.slow


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    environ = {
        "CAMHEALTH_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        "CAMHEALTH_CREDENTIALS__KEY": Fernet.generate_key().decode(),
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=environ)

    (tmp_path / "areas.csv").write_text("id,name,kind,key_area\nzhan,Station,station,yes\n")
    (tmp_path / "cameras.csv").write_text("id,name,area_id\ncam-1,North square,zhan\n")
    assert invoke("areas", "import", str(tmp_path / "areas.csv")).exit_code == 0
    assert invoke("cameras", "import", str(tmp_path / "cameras.csv")).exit_code == 0
    return invoke


def test_set_then_show_gives_back_the_picture(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    picture = camera(photo(size=(640, 360)))
    cv2.imwrite(str(tmp_path / "view.png"), picture)
    result = cli("reference", "set", "cam-1", str(tmp_path / "view.png"))
    assert result.exit_code == 0, result.output
    shown = cli("reference", "show", "cam-1", "--output", str(tmp_path / "out.jpg"))
    assert shown.exit_code == 0, shown.output
    stored = cv2.imread(str(tmp_path / "out.jpg"))
    assert stored.shape == picture.shape
    assert float(np.abs(stored.astype(float) - picture).mean()) < 3  # JPEG of the same view


def test_a_faulty_picture_is_refused_unless_forced(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cv2.imwrite(str(tmp_path / "soft.png"), camera(defocus(photo(), 6)))
    refused = cli("reference", "set", "cam-1", str(tmp_path / "soft.png"))
    assert refused.exit_code == 1 and "blur" in refused.output
    forced = cli("reference", "set", "cam-1", str(tmp_path / "soft.png"), "--force")
    assert forced.exit_code == 0, forced.output


def test_unknown_camera_and_missing_reference_are_clear_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cv2.imwrite(str(tmp_path / "view.png"), camera(photo()))
    unknown = cli("reference", "set", "cam-9", str(tmp_path / "view.png"))
    assert unknown.exit_code == 1 and "no camera 'cam-9'" in unknown.output
    missing = cli("reference", "show", "cam-1", "--output", str(tmp_path / "x.jpg"))
    assert missing.exit_code == 1 and "no reference picture" in missing.output
