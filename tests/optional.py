"""Optional parts (the embedding model, Chromium): CI installs them, so there a missing one is a failure;
on a developer's machine the tests that need one are skipped with the command that installs it."""

from __future__ import annotations

import os

import pytest


def require(available: bool, what: str, install: str, *, module: bool = False) -> None:
    if available:
        return
    if os.environ.get("CI"):
        raise RuntimeError(f"CI installs {what} ({install}); it is missing")
    pytest.skip(f"{what} is not installed ({install})", allow_module_level=module)
