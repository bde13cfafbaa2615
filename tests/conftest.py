"""Shared test helpers.

A test that needs something from outside Python (a Debian package, PostgreSQL) calls
``require``: on a laptop without it the test is skipped, but under ``CI=true`` it fails, so
CI can never go green by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true (.ci/run installs it)")
    pytest.skip(f"{what} is not available")


def require_command(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"the command {name!r}")
    assert path is not None
    return path
