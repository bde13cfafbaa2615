"""Loopback addresses for simulator tests, drawn at random so parallel test runs rarely meet."""

from __future__ import annotations

import random


def random_host() -> str:
    """An address in 127.200.0.0 - 127.249.255.254, away from 127.0.0.1 and the fleet default."""
    return f"127.{random.randint(200, 249)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def random_base() -> str:
    """The first address of a random /16 for a test fleet (the fleet counts up from it)."""
    return f"127.{random.randint(200, 249)}.0.0"
