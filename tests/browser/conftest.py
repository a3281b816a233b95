"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per session.

The browser is Debian's ``chromium`` (``apt-get install chromium``), driven by the
``playwright`` Python package through ``executable_path``; Playwright's own browser
downloads are never used. Without either, every browser test skips with the reason.

JupyterLab runs on a temporary copy of ``lessons/`` with its own runtime, config, data,
settings and workspace folders, so nothing from the user's home leaks in and nothing
the tests do (saved notebooks, workspaces, checkpoints) lands in the repository. The
start-up code lives in ``_lab.py``, shared with ``tests/benchmarks/bench_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._lab import ROOT, Lab, LabError, chromium_executable, launch_chromium, missing_browser, start_lab

__all__ = ["Lab", "chromium_executable"]

ARTIFACTS = ROOT / "test-artifacts" / "browser"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (skips without it)")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    reason = missing_browser()
    if reason is not None:
        pytest.skip(f"browser tests {reason}")
    return chromium_executable()


@pytest.fixture(scope="session")
def jupyter_lab(chromium_path, tmp_path_factory):
    """JupyterLab on a temporary copy of lessons/, stopped (its whole process group) at the end."""
    base = tmp_path_factory.mktemp("jupyterlab")
    try:
        lab = start_lab(base)
    except LabError as exc:
        pytest.fail(str(exc))
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def browser(chromium_path, playwright_driver):
    """Headless Debian chromium under the session's Playwright (tests/conftest.py)."""
    b = launch_chromium(playwright_driver)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
