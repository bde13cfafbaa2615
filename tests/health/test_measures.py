"""The fast forms of the measures give what their plain numpy and OpenCV forms give."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camhealth.health import measures as m


@pytest.mark.parametrize("size", [1, 2, 5, 144, 1001])
@pytest.mark.parametrize("q", [0, 5, 20, 50, 70, 75, 95, 100])
def test_percentile_is_numpys_linear_percentile(size: int, q: float) -> None:
    rng = np.random.default_rng(size)
    for dtype in (np.float32, np.float64):
        values = (rng.random((size,)) * 200 - 50).astype(dtype)
        assert m.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), abs=1e-5)


def test_percentile_of_a_grid_reads_every_cell() -> None:
    grid = np.arange(144, dtype=np.float32).reshape(9, 16)[::-1]
    assert m.percentile(grid, 50) == pytest.approx(71.5)
    assert m.percentile(grid, 100) == 143.0


def test_block_means_are_the_area_average_of_each_16x16_block() -> None:
    rng = np.random.default_rng(3)
    picture = rng.integers(0, 256, (540, 960), dtype=np.uint8)
    rows, columns = 540 // 16, 960 // 16
    expected = cv2.resize(
        picture[: rows * 16, : columns * 16].astype(np.float32),
        (columns, rows),
        interpolation=cv2.INTER_AREA,
    )
    np.testing.assert_allclose(m._block_means(picture, rows, columns), expected, atol=1e-3)
