"""The limits of one student's kernel: ``autograder/sandbox.json``, nbgrader's
``Execute.timeout`` and the command line's overrides (see :mod:`.sandbox`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .course import CONFIG_RELATIVE, CourseError

SANDBOX_CONFIG = Path("autograder") / "sandbox.json"


@dataclass
class Limits:
    """Limits of one student's kernel (``autograder/sandbox.json``)."""

    cell_timeout: float = 60.0  # seconds of the sandbox's CPU time per cell (nbgrader's Execute.timeout)
    notebook_timeout: float = 600.0  # seconds of CPU time for the whole submission (sandbox + grader stages)
    wall_factor: float = 5.0  # wall-clock backstop: this many times the CPU-time limits
    grace: float = 5.0  # seconds a cell may overrun before the sandbox is killed
    memory_mb: int = 2048  # all processes of the sandbox together (cgroup), and each one's address space
    cpu_cores: float = 1.0  # CPU quota of one sandbox, in cores (at most 1)
    cpu_seconds: int = 600  # CPU time of each process (RLIMIT_CPU)
    file_size_mb: int = 64  # largest file the kernel may write
    tmp_size_mb: int = 256  # each private tmpfs (/tmp, the working folder)
    processes: int = 64  # processes and threads
    open_files: int = 256
    output_kb_per_cell: int = 1024  # captured output of one cell (the runner's own cap)
    message_mb: int = 16  # largest reply the grader reads for one cell
    notebook_output_mb: int = 32  # outputs the grader keeps for one notebook; beyond it only records are kept
    startup_timeout: float = 60.0
    # Shortcuts that change no score (tests/grading/test_shortcuts*.py; docs/design.md, section 7):
    skip_render: bool = True  # cells the trusted source declares skip-render run without drawing
    sandboxed_reference: bool = True  # reference records from the sandbox run of the solution
    skip_widget_draw: bool = True  # in those cells, l2reg's widget demos skip their first frame too
    preimport: bool = True  # the sandbox imports the modules the lesson's own cells import before it is ready
    # the next submission's sandbox starts while the current one runs (pool.SandboxPool)
    prestart: bool = True

    def runner_limits(self) -> dict:
        return {
            "memory_bytes": self.memory_mb << 20,
            "cpu_seconds": self.cpu_seconds,
            "file_size_bytes": self.file_size_mb << 20,
            "processes": self.processes,
            "open_files": self.open_files,
            "output_bytes_per_cell": self.output_kb_per_cell << 10,
            "skip_widget_draw": self.skip_widget_draw,
        }


def load_limits(root, **overrides) -> Limits:
    """Limits from ``autograder/sandbox.json`` (and nbgrader's ``Execute.timeout``),
    then ``overrides`` (None values ignored)."""
    limits = Limits()
    cfg = Path(root) / CONFIG_RELATIVE
    if cfg.is_file():
        from traitlets.config.loader import PyFileConfigLoader

        try:
            c = PyFileConfigLoader(cfg.name, path=str(cfg.parent)).load_config()
            if "timeout" in c.Execute:
                limits.cell_timeout = float(c.Execute.timeout)
        except Exception:  # noqa: BLE001 - a broken config is reported by nbgrader itself
            pass
    path = Path(root) / SANDBOX_CONFIG
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        for k, v in data.items():
            if k.startswith("_"):
                continue
            if not hasattr(limits, k):
                raise CourseError(f"{SANDBOX_CONFIG}: unknown setting {k!r}")
            if isinstance(getattr(limits, k), bool) and not isinstance(v, bool):
                raise CourseError(f"{SANDBOX_CONFIG}: {k}: expected true or false, got {v!r}")
            setattr(limits, k, type(getattr(limits, k))(v))
    for k, v in overrides.items():
        if v is not None:
            setattr(limits, k, type(getattr(limits, k))(v))
    return limits
