"""Instructor tooling over nbgrader's Python API.

Nothing here is imported by ``import l2reg``: nbgrader is loaded only when an
instructor command runs.
"""
