"""The bubblewrap command line and environment of one grading sandbox: what the kernel sees
of the host (read-only ``/usr``, the interpreter's prefix, the virtual environment and the
``l2reg`` package, nothing else), its private tmpfs mounts and its minimal environment.
:mod:`.sandbox` starts it; see there for the limits that come on top.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .course import CourseError
from .limits import Limits

WORKDIR = "/home/student"


def _package_root() -> Path:
    import l2reg

    return Path(l2reg.__file__).resolve().parent.parent


def _ro_paths() -> list[str]:
    """Host folders the kernel sees read-only, outermost first."""
    paths = ["/usr"]
    for p in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"):
        if os.path.exists(p):
            paths.append(p)
    for p in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), str(_package_root())}:
        if not p.startswith("/usr/") and p != "/usr":
            paths.append(p)
    # The interpreter binary itself may be a link into yet another prefix.
    exe_dir = os.path.dirname(os.path.realpath(sys.executable))
    if not any(exe_dir == p or exe_dir.startswith(p + "/") for p in paths):
        paths.append(exe_dir)
    return sorted(set(paths), key=lambda p: (p.count("/"), p))


def bwrap_path():
    return shutil.which("bwrap")


def bwrap_command(limits: Limits, mpl_cache: str | None = None) -> list[str]:
    bwrap = bwrap_path()
    if bwrap is None:
        raise CourseError(
            "bubblewrap (bwrap) is not installed: it is needed to run submissions safely "
            "(Debian: apt-get install bubblewrap); refusing to grade unsandboxed"
        )
    tmp = str(limits.tmp_size_mb << 20)
    cmd = [
        bwrap, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--die-with-parent", "--new-session", "--disable-userns",
    ]
    for link in ("/bin", "/lib", "/lib64", "/sbin", "/lib32", "/libx32"):
        if os.path.islink(link):
            cmd += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            cmd += ["--ro-bind", link, link]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--size", tmp, "--tmpfs", "/tmp", "--dir", "/tmp/home", "--dir", "/tmp/mpl"]
    for p in _ro_paths():
        cmd += ["--ro-bind", p, p]
    if mpl_cache:
        for f in os.listdir(mpl_cache):
            if f.endswith(".json"):
                cmd += ["--ro-bind", os.path.join(mpl_cache, f), "/tmp/mpl/" + f]
    cmd += ["--size", tmp, "--tmpfs", WORKDIR, "--chdir", WORKDIR]
    cmd += ["--size", "1048576", "--tmpfs", "/dev/shm"]
    # bwrap's --dev is a tmpfs of its own with no size limit: once its device nodes and
    # /dev/shm are in place, remount it read-only (bwrap(1): "--remount-ro DEST: Remount
    # the path DEST as readonly"; it acts on that one mount, so the sized /dev/shm above
    # stays writable). Writing to /dev/null still works: that is a device, not the tmpfs.
    cmd += ["--remount-ro", "/dev"]
    cmd += ["--remount-ro", "/"]
    return cmd


def sandbox_env() -> dict:
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "USER": "student",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/mpl",
        "IPYTHONDIR": "/tmp/home/.ipython",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
