"""The run's progress bar (report.Progress over tqdm): drawn on a terminal (a real
pseudo-terminal here), nothing at all on a pipe or a file, labels escaped."""

from __future__ import annotations

import fcntl
import io
import os
import select
import struct
import termios

from l2reg.grading.report import Progress


def read_all(fd) -> bytes:
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def test_a_terminal_gets_a_bar_with_escaped_labels():
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal 120 wide
    try:
        stream = os.fdopen(slave, "w", encoding="utf-8", closefd=False)
        assert stream.isatty()
        p = Progress(3, stream)
        p.step("alice: graded")
        p.step("mallory\x1b[2J\n: graded")  # a hostile student id: no escape sequence reaches the terminal
        p.step("zoe: flagged: ex_closed_form uses l2reg.ridge_fit")
        stream.flush()
        text = read_all(master).decode("utf-8", "replace")
    finally:
        os.close(master)
        os.close(slave)
    assert "grading" in text and "3/3" in text
    assert "mallory\\x1b[2J\\n" in text and "\x1b[2J" not in text


def test_a_pipe_or_a_file_gets_nothing():
    buf = io.StringIO()
    p = Progress(2, buf)
    p.step("alice: graded")
    p.step("bob: graded")
    assert buf.getvalue() == ""
    r, w = os.pipe()
    try:
        stream = os.fdopen(w, "w", closefd=False)
        p = Progress(1, stream)
        p.step("alice: graded")
        stream.flush()
        assert read_all(r) == b""
    finally:
        os.close(r)
        os.close(w)
