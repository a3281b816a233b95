"""A JupyterHub for the hub test, started from ``deploy/jupyterhub/jupyterhub_config.py`` as
README's "Hosting the course on JupyterHub" says, on 127.0.0.1 and free ports.

Everything an administrator would prepare is prepared in one temporary folder: system
accounts for a grader, an instructor and two students (with random passwords, logged in
through JupyterHub's default PAMAuthenticator; their home folders inside the temporary
folder), the course folder (a copy of this repository's course: ``autograder/``,
``solutions/``, ``lessons/``) owned by the grader account, the exchange folder (mode 0777),
the hub's state folder. ``stop`` ends the hub (which stops the servers it started), ends
any process still running as a test account (by process id), removes the accounts and the
folder. Needs root (accounts, and a hub that starts servers as other users).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from ._postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
BINDIR = Path(sys.executable).parent


# This interpreter may live in root's home (pyenv under /root, mode 0700), which no other
# account can enter. Then the hub and everything it starts run in a private mount
# namespace in which /root is a traversable tmpfs holding only a view of ~/.pyenv: the
# machine itself is left as it is. (A real installation uses a Python every account can run.)
_ROOT_VIEW = r"""
set -e
view="$1"; shift
mkdir -p "$view"
mount --bind /root/.pyenv "$view"
mount -t tmpfs -o mode=0755 tmpfs /root
mkdir /root/.pyenv
mount --bind "$view" /root/.pyenv
exec "$@"
"""


def _interpreter_hidden() -> bool:
    real = os.path.realpath(sys.executable)
    probe = subprocess.run(["runuser", "-u", "nobody", "--", "test", "-x", real], capture_output=True)
    return probe.returncode != 0


def missing() -> str | None:
    """Why the hub cannot be started here, or None."""
    if os.geteuid() != 0:
        return "needs root: the test creates system accounts and the hub starts servers as them"
    for tool, package in (("useradd", "passwd"), ("userdel", "passwd"), ("chpasswd", "passwd"),
                          ("runuser", "util-linux"), ("pgrep", "procps")):
        if shutil.which(tool) is None:
            return f"needs {tool} (Debian's {package} package) to create and run the test's accounts"
    if shutil.which("configurable-http-proxy") is None:
        return "needs configurable-http-proxy (npm install -g configurable-http-proxy; .ci/install-debian does it)"
    if _interpreter_hidden():
        if not os.path.realpath(sys.executable).startswith("/root/.pyenv/") or shutil.which("unshare") is None:
            return f"other accounts cannot run this Python ({os.path.realpath(sys.executable)})"
    if not (BINDIR / "jupyterhub").exists():
        return "needs JupyterHub (pip install jupyterhub, in the test extra)"
    try:
        import pamela  # noqa: F401
    except ImportError:
        return "needs pamela (installed with jupyterhub) for PAM logins"
    return None


class Hub:
    def __init__(self, tag: str, lessons=("01_penalty",), instructors=("instructor",), students=("alice", "bob")):
        self.base = Path(tempfile.mkdtemp(prefix="l2reg-hub-"))
        os.chmod(self.base, 0o755)
        self.tag = tag
        self.accounts: dict[str, str] = {}  # account -> password
        self.procs = []
        self.grader = self._account("grader")
        self.instructors = [self._account(n) for n in instructors]
        self.students = [self._account(n) for n in students]
        self.course = self.base / "course"
        self.course.mkdir()
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        shutil.copytree(ROOT / "autograder", self.course / "autograder", ignore=ignore)
        for lesson in lessons:
            shutil.copytree(ROOT / "solutions" / lesson, self.course / "solutions" / lesson, ignore=ignore)
        # README: the hub releases the classroom edition, written into the course folder.
        made = subprocess.run([sys.executable, "-m", "l2reg.cli", "lessons", *lessons, "--edition", "classroom",
                               "--out", str(self.course / "classroom"), "--course", str(self.course)],
                              capture_output=True, text=True, timeout=600)
        if made.returncode != 0:
            raise RuntimeError(f"l2reg lessons --edition classroom failed: {made.stderr}")
        self._chown_tree(self.course, self.grader)
        self.exchange = self.base / "exchange"
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o777)
        self.state = self.base / "state"
        self.state.mkdir(mode=0o700)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.base / "hub.log"
        self.gradebook = "sqlite:///" + str(self.course / "gradebook.db")
        self.wrap = []
        if _interpreter_hidden():
            self.wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", _ROOT_VIEW, "sh",
                         str(self.base / "pyenv-view")]
        self.env = dict(
            os.environ,
            PATH=f"{BINDIR}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            L2REG_COURSE_ROOT=str(self.course),
            L2REG_GRADER_USER=self.grader,
            L2REG_INSTRUCTORS=",".join(self.instructors),
            L2REG_STUDENTS=",".join(self.students),
            L2REG_EXCHANGE=str(self.exchange),
            L2REG_GRADEBOOK_URL=self.gradebook,
            L2REG_HUB_STATE=str(self.state),
            L2REG_HUB_URL=f"http://127.0.0.1:{self.port}",
            L2REG_HUB_API_PORT=str(free_port()),
            L2REG_PROXY_API_PORT=str(free_port()),
            L2REG_FORMGRADER_PORT=str(free_port()),
        )

    # --- accounts ------------------------------------------------------------------------
    def _account(self, role: str) -> str:
        name = f"l2h{self.tag}-{role}"[:32]
        home = self.base / "home" / name
        home.parent.mkdir(exist_ok=True)
        os.chmod(home.parent, 0o755)
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
                        "--user-group", name], check=True, capture_output=True)
        password = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True, capture_output=True)
        self.accounts[name] = password
        return name

    def home(self, account: str) -> Path:
        return Path(pwd.getpwnam(account).pw_dir)

    @staticmethod
    def _chown_tree(path: Path, account: str):
        pw = pwd.getpwnam(account)
        for dirpath, dirnames, filenames in os.walk(path):
            os.chown(dirpath, pw.pw_uid, pw.pw_gid)
            for f in filenames:
                os.chown(os.path.join(dirpath, f), pw.pw_uid, pw.pw_gid)

    def as_account(self, account: str, *cmd, cwd=None, timeout=600):
        """Run ``cmd`` as ``account`` with the environment its hub server would have."""
        env = {
            "PATH": f"{BINDIR}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home(account)),
            "USER": account,
            # as README says for the grader's terminal: the hub-wide config first, then the course's
            "JUPYTER_CONFIG_PATH": f"{CONFIG.parent}:{self.course / 'autograder'}",
            "L2REG_EXCHANGE": str(self.exchange),
            "L2REG_GRADEBOOK_URL": self.gradebook,
            "LANG": "C.UTF-8",
        }
        return subprocess.run([*self.wrap, shutil.which("runuser"), "-u", account, "--", *cmd], cwd=cwd or self.course, env=env,
                              capture_output=True, text=True, timeout=timeout)

    # --- the hub ---------------------------------------------------------------------------
    def start(self, timeout=180):
        out = open(self.log, "wb")
        proc = subprocess.Popen([*self.wrap, str(BINDIR / "jupyterhub"), "-f", str(CONFIG)], cwd=self.state, env=self.env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({proc.returncode}):\n{self.log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + "/hub/api/", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
        raise RuntimeError(f"jupyterhub did not answer in {timeout} s:\n{self.log.read_text()[-4000:]}")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
            # What the hub started in its own process group and left behind (the proxy, when
            # the hub died during start-up).
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for account in self.accounts:
            uid = pwd.getpwnam(account).pw_uid
            leftover = subprocess.run(["pgrep", "-U", str(uid)], capture_output=True, text=True).stdout.split()
            for pid in leftover:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        time.sleep(0.5)
        for account in self.accounts:
            subprocess.run(["userdel", "--remove", account], capture_output=True)
            subprocess.run(["groupdel", account], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
