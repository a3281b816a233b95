"""A throw-away PostgreSQL server from Debian's packages, for the hosting tests.

``initdb`` a cluster in a temporary folder, ``pg_ctl start`` it listening on 127.0.0.1 on a
free port (and on a unix socket in the same folder), password authentication
(scram-sha-256) for one superuser; ``stop`` shuts it down and removes the folder.
PostgreSQL refuses to run as root: as root, the folder is given to the ``postgres``
system user that Debian's ``postgresql`` package creates (else ``nobody``) and the
server programs run through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_USER = "l2reg"


def pg_bindir() -> str | None:
    """The folder holding initdb and pg_ctl: PATH, else /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return os.path.dirname(os.path.realpath(found))
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return os.path.dirname(candidates[-1]) if candidates else None


def missing() -> str | None:
    """Why a PostgreSQL server cannot be started here, or None."""
    if pg_bindir() is None:
        return "needs PostgreSQL's server programs (apt-get install postgresql); initdb/pg_ctl not found"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return 'needs the psycopg driver (pip install "psycopg[binary]", in the test extra)'
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser (util-linux) to start PostgreSQL as another user"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One running cluster; ``url(dbname)`` is a SQLAlchemy URL for nbgrader."""

    def __init__(self):
        self.bindir = pg_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="l2reg-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self._runas = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                account = pwd.getpwnam("nobody")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self._runas = ["runuser", "-u", account.pw_name, "--"]
        os.chmod(self.dir, 0o700)
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        if self._runas:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, f"--pwfile={pwfile}",
                  "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "-o",
                  f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50",
                  "start")

    def _run(self, tool, *args):
        cmd = [*self._runas, os.path.join(self.bindir, tool), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=self.dir)
        if proc.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({proc.returncode}): {proc.stdout}{proc.stderr}{log}")
        return proc

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> str:
        """Create an empty database; return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=PG_USER, password=self.password,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)

    def stop(self):
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
