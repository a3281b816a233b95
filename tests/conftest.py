"""Test-suite settings shared by every folder."""

import os
import sys

import pytest

# Kernels started by the tests (nbclient, nbgrader) run this interpreter: put its folder
# first on PATH so any tool that looks up "python" finds the same environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright for the whole test session, shared by tests/browser and tests/hosting.

    Playwright's sync API runs an event loop in the calling thread, so a second
    ``sync_playwright()`` started while the first is alive is refused ("using Playwright Sync
    API inside the asyncio loop"): the browser tests' session browser and the hub test's must
    come from one driver."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw
