"""JupyterLab and headless Chromium for the browser tests and the browser benchmark.

No pytest in here: ``conftest.py`` wraps these in fixtures, and
``tests/benchmarks/bench_browser.py`` loads this file by path and uses them directly.

The browser is Debian's ``chromium`` (``apt-get install chromium``), driven by the
``playwright`` Python package through ``executable_path``; Playwright's own browser
downloads are never used.

JupyterLab runs on a temporary copy of ``lessons/`` with its own runtime, config, data,
settings and workspace folders, so nothing from the user's home leaks in and nothing
it does (saved notebooks, workspaces, checkpoints) lands in the repository. Like the
README's open command (``jupyter lab lessons/`` from the checkout), the server's working
directory is the folder *above* the served ``lessons/``: that is where nbgrader's
Validate button looks for an ``nbgrader_config.py``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"

# Playwright adds --headless itself (launch(headless=True)).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
]

# Settings for a clean, quiet, deterministic JupyterLab: every cell attached to the DOM
# (no windowing, so every output can be found and screenshotted), no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


class LabError(RuntimeError):
    """JupyterLab did not start."""


def chromium_executable() -> str | None:
    """Debian's chromium: $L2REG_CHROMIUM, /usr/bin/chromium, or `chromium` on PATH."""
    for candidate in (os.environ.get("L2REG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_browser() -> str | None:
    """Why the browser cannot run here (chromium or playwright missing), or None if it can."""
    if chromium_executable() is None:
        return "needs Debian's chromium (apt-get install chromium); not found"
    if importlib.util.find_spec("playwright") is None:
        return "needs the playwright Python package (pip install playwright); not installed"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its URL, token, root folder and a small REST client."""

    def __init__(self, url: str, token: str, root: Path, log: Path, proc: subprocess.Popen | None = None):
        self.url, self.token, self.root, self.log, self.proc = url, token, root, log, proc

    def api(self, method: str, path: str, timeout: float = 10):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def lab_url(self, notebook: str, workspace: str) -> str:
        """URL that opens ``notebook`` (relative to the root) in its own fresh workspace."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel (one lesson's kernel must not outlive its test)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)


def start_lab(base: Path) -> Lab:
    """Copy lessons/ to ``base/lessons`` and start JupyterLab on it, from ``base``.

    Raises :class:`LabError` (with the server's log) if it exits or does not answer in 90 s.
    Call :meth:`Lab.stop` when done.
    """
    base = Path(base)
    root = base / "lessons"
    shutil.copytree(LESSONS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    settings = base / "settings"
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    dirs = {name: base / name for name in ("runtime", "config", "data", "ipython", "workspaces", "home")}
    for d in dirs.values():
        d.mkdir()
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        IPYTHONDIR=str(dirs["ipython"]),
        MPLCONFIGDIR=str(base / "mpl"),
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PYTHONDONTWRITEBYTECODE="1",
    )
    for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env.pop(var, None)
    token = secrets.token_hex(24)
    port = _free_port()
    log = base / "jupyterlab.log"
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        f"--ServerApp.token={token}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log, proc)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise LabError(f"JupyterLab exited with code {proc.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("GET", "/api/status", timeout=2)
                return lab
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise LabError(f"JupyterLab did not answer within 90 s:\n{lab.log_tail()}") from None
                time.sleep(0.3)
    except BaseException:
        stop_group(proc)
        raise


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group (server and kernels), SIGKILL what is left after 20 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # kernels left in the group, if any
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def launch_chromium(playwright):
    """Headless Debian chromium from a started ``sync_playwright()`` object."""
    return playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                      args=CHROMIUM_ARGS)


# --- page helpers ------------------------------------------------------------------------

ACTIVE_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# All code cells have run (a number in their prompt) and the notebook's kernel is idle.
JS_ALL_RUN = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""

JS_KERNEL_IDLE = """() => {
  const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
  return !!ind && ind.getAttribute('data-status') === 'idle';
}"""

# The kernel has started and is idle: the status bar reads "<kernel name> | Idle".
JS_KERNEL_READY = """() => [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
  .some(e => /^(?!No Kernel).+ \\| Idle$/.test(e.textContent.trim()))"""

JS_ANY_QUEUED = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
  .some(p => p.textContent.trim() !== '[ ]:')"""


@contextlib.contextmanager
def lab_page(browser, lab: Lab, failure_shot: Path, *, timeout_ms: int, full_page: bool = False):
    """A fresh browser page for one test: yields ``(page, page_errors)``.

    On an exception a screenshot goes to ``failure_shot``; in any case the browser context
    is closed and the server's kernels are shut down.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        yield page, page_errors
    except Exception:
        try:
            page.screenshot(path=str(failure_shot), full_page=full_page)
        except Exception:
            pass
        raise
    finally:
        context.close()
        try:
            lab.shutdown_kernels()
        except OSError:
            pass


def open_notebook(page, lab: Lab, notebook: str, workspace: str) -> None:
    """Open the notebook (path relative to the root) in a fresh workspace; wait for its kernel."""
    page.goto(lab.lab_url(notebook, workspace), wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(state="attached", timeout=120_000)
    page.wait_for_function(JS_KERNEL_READY, timeout=120_000, polling=200)


def open_and_run_all(page, lab: Lab, notebook: str, workspace: str, timeout_ms: int = 300_000) -> None:
    """Open the notebook in a fresh workspace, wait for its kernel, then Run > Run All Cells."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    open_notebook(page, lab, notebook, workspace)
    for attempt in range(3):
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(JS_ANY_QUEUED, timeout=10_000, polling=200)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise AssertionError(f"{notebook}: Run > Run All Cells did not start any cell") from None
    page.wait_for_function(JS_ALL_RUN, timeout=timeout_ms, polling=500)
