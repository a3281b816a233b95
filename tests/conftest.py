"""Test-suite settings shared by every folder."""

import os
import sys

# Kernels started by the tests (nbclient, nbgrader) run this interpreter: put its folder
# first on PATH so any tool that looks up "python" finds the same environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("MPLBACKEND", "Agg")
