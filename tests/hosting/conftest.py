"""Fixtures for the hosting tests: a PostgreSQL server from Debian's packages.

The server is started once per session in a temporary folder (``_postgres.py``) and
stopped at the end; without PostgreSQL's server programs or the psycopg driver every
test that needs it skips with the reason.
"""

from __future__ import annotations

import pytest

from . import _postgres


@pytest.fixture(scope="session")
def postgres():
    why = _postgres.missing()
    if why:
        pytest.skip(why)
    server = _postgres.PostgresServer()
    try:
        yield server
    finally:
        server.stop()
