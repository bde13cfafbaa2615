"""``camhealth analyze`` and the quality section of the configuration."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from camhealth.cli import app
from camhealth.config import ConfigError, load_settings
from tests.health.quality_pictures import camera, flat, jpeg, osd, photo

runner = CliRunner()


def write(path: Path, image: np.ndarray) -> Path:
    cv2.imwrite(str(path), image)
    return path


def test_json_lists_faults_scores_resolution_and_hd(tmp_path: Path) -> None:
    healthy = write(tmp_path / "healthy.png", camera(photo(size=(1280, 720))))
    blank = write(tmp_path / "blank.png", jpeg(osd(flat((170, 40, 10)))))
    result = runner.invoke(app, ["analyze", str(healthy), str(blank), "--format", "json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)
    assert (first["width"], first["height"], first["hd"], first["faults"]) == (1280, 720, True, [])
    assert second["faults"] == ["blank"] and second["hd"] is False
    assert second["scores"]["blank"] >= 1.0
    assert {c["fault"] for c in second["checks"]} >= {"frozen", "scene_change", "stripes"}


def test_a_sequence_folder_finds_a_frozen_picture(tmp_path: Path) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    picture = photo(size=(640, 360))
    write(folder / "1.png", jpeg(osd(picture, clock=0)))
    write(folder / "2.png", jpeg(osd(picture, clock=300)))
    result = runner.invoke(app, ["analyze", "--sequence", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)
    assert "frozen" not in first["faults"] and second["faults"] == ["frozen"]


def test_the_table_names_each_file(tmp_path: Path) -> None:
    path = write(tmp_path / "snap.png", camera(photo()))
    result = runner.invoke(app, ["analyze", str(path), "--reference", str(path)])
    assert result.exit_code == 0, result.output
    assert "snap.png" in result.output and "none" in result.output


def test_an_unreadable_image_is_named_in_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a picture")
    result = runner.invoke(app, ["analyze", str(bad)])
    assert result.exit_code == 1
    assert "broken.jpg" in result.output and "cannot read" in result.output
    missing = runner.invoke(app, ["analyze", str(tmp_path / "gone.jpg")])
    assert missing.exit_code == 1 and "gone.jpg: no such file" in missing.output


def test_overrides_by_tag_then_by_camera(tmp_path: Path) -> None:
    config = tmp_path / "camhealth.yml"
    config.write_text(
        "quality:\n"
        "  dark_bright_level: 60\n"
        "  tags: {tunnel: {dark_bright_level: 20, noise_sigma: 9}}\n"
        "  cameras: {cam-7: {dark_bright_level: 10}}\n"
    )
    quality = load_settings(config, {}).quality
    assert quality.for_camera("cam-1").dark_bright_level == 60
    tunnel = quality.for_camera("cam-1", ["tunnel"])
    assert (tunnel.dark_bright_level, tunnel.noise_sigma) == (20, 9)
    assert quality.for_camera("cam-7", ["tunnel"]).dark_bright_level == 10
    dark = write(tmp_path / "dark.png", np.full((180, 320, 3), 30, np.uint8))
    cv2.circle(dark := cv2.imread(str(dark)), (60, 60), 30, (50, 50, 50), -1)
    path = write(tmp_path / "tunnel.png", dark)
    args = ["-c", str(config), "analyze", str(path), "--format", "json"]
    plain = json.loads(runner.invoke(app, args).output)[0]
    tunnel_run = json.loads(runner.invoke(app, [*args, "--tag", "tunnel"]).output)[0]
    assert "too_dark" in plain["faults"] and "too_dark" not in tunnel_run["faults"]


def test_a_misspelt_override_is_an_error_at_load(tmp_path: Path) -> None:
    config = tmp_path / "camhealth.yml"
    config.write_text("quality:\n  cameras: {cam-7: {dark_levle: 10}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert "cameras.cam-7" in str(caught.value) and "dark_levle" in str(caught.value)
