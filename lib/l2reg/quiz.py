"""Quiz questions that answer back, without holding their answers in plain text.

The self-study edition of a lesson (``lessons/``) ends each quiz test cell with
a call to :func:`check`. The call holds, for the right answer and for each
anticipated wrong one, a *sealed* entry: a lookup tag and a message, both
derived from a salted, slow hash (PBKDF2-HMAC-SHA256) of the normalized
answer. :func:`check` normalizes the student's value, derives its tag, and
opens the entry with that tag, if any: only the answer itself unlocks its
message, so the explanation of the right answer is revealed only to someone
who gave it.

This keeps an answer out of plain sight; it does not make it secret. A
multiple-choice question has four possible answers, and a student who tries
them all learns which one is right: that is acceptable for self-study, where a
student checking an answer is the point. The classroom edition (``l2reg
bundle``) has no :func:`check` calls at all; grading never relies on them (the
hidden ``record`` tests are graded outside the student's kernel, see
:mod:`l2reg.checks`).

:func:`seal` makes the entries; :mod:`l2reg.grading.edition` calls it when
nbgrader generates the self-study edition from ``solutions/``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import numbers

__all__ = ["normalize", "grid_key", "seal", "check", "ITERATIONS"]

#: PBKDF2 iterations per derivation (a few milliseconds). The hash is slow only to
#: make a wholesale table of answers tedious; it cannot stop trying the few likely ones.
ITERATIONS = 2_000
_TAG_BYTES = 12
_PAD = 48  # messages are padded to a multiple of this many bytes, so lengths say little


def normalize(value) -> str:
    """The canonical text of a quiz answer, the same for equal answers.

    Numbers (Python or NumPy, int or float) become their value to 7
    significant digits, so ``100``, ``100.0`` and ``101 / 1.01`` agree;
    strings are kept exactly (the grader compares them exactly too); lists,
    tuples and arrays become the bracketed list of their normalized items.

    Raises
    ------
    TypeError
        For a value a quiz cannot take (a dict, None, an object).

    Examples
    --------
    >>> from l2reg.quiz import normalize
    >>> normalize(101 / 1.01), normalize(100), normalize("b"), normalize([3, -1.0])
    ('100', '100', 's:b', '[3,-1]')
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return f"bool:{bool(value)}"
    if isinstance(value, str):
        return "s:" + value
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        text = f"{x:.7g}"
        return "0" if text in ("-0", "0") else text
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
        if not isinstance(value, list):
            return normalize(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(normalize(v) for v in value) + "]"
    raise TypeError(f"value: expected a number, a string or a list of them, got {type(value).__name__}")


def _derive(salt: str, text: str) -> tuple[str, bytes]:
    raw = hashlib.pbkdf2_hmac("sha256", text.encode("utf-8"), salt.encode("utf-8"), ITERATIONS, 48)
    return raw[:_TAG_BYTES].hex(), raw[_TAG_BYTES:]


def _stream(key: bytes, n: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:n])


def grid_key(value, grid) -> str:
    """The text a number is sealed under when a question accepts a tolerance.

    ``grid = (step, scale)``: the number (its base-10 logarithm when ``scale``
    is ``"log10"``) is rounded to a multiple of ``step``, so every answer in
    one grid cell gives the same key. Raises :class:`TypeError` for a
    non-number, :class:`ValueError` for one the scale cannot take.

    Examples
    --------
    >>> from l2reg.quiz import grid_key
    >>> grid_key(0.9541, (0.001, "linear")), grid_key(1.02e-10, (0.002, "log10"))
    ('grid:954', 'grid:-4996')
    """
    step, scale = float(grid[0]), str(grid[1])
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"value: expected a number, got {type(value).__name__}")
    x = float(value)
    if scale == "log10":
        if not x > 0:
            raise ValueError(f"value: expected a number > 0, got {x!r}")
        x = math.log10(x)
    if not math.isfinite(x):
        raise ValueError(f"value: expected a finite number, got {x!r}")
    return f"grid:{round(x / step)}"


def seal(salt: str, answer, right: bool, message: str, *, key: str | None = None, length: int = 0) -> str:
    """One sealed entry: ``"<tag>:<ciphertext>"``, opened only by ``answer``.

    Parameters
    ----------
    salt : str
        Different for every question (so equal answers to two questions give
        unrelated entries).
    answer : object
        The answer this entry is for; see :func:`normalize`.
    right : bool
        Whether it is the right answer.
    message : str
        What the student reads after giving ``answer``.
    key : str, optional
        Seal under this text instead of ``normalize(answer)`` (a
        :func:`grid_key`).
    length : int, optional
        Pad the sealed message to at least this many bytes, so that the
        entries of one question can all have the same length.

    Examples
    --------
    >>> from l2reg.quiz import seal, check
    >>> entry = seal("lesson-x/q1", 2.5, True, "0.1 * 25 = 2.5")
    >>> "2.5" in entry
    False
    >>> check(2.5, "lesson-x/q1", [entry], name="q1")
    q1 = 2.5 is right: 0.1 * 25 = 2.5
    """
    tag, secret = _derive(salt, normalize(answer) if key is None else key)
    body = json.dumps({"right": bool(right), "text": str(message)}, ensure_ascii=False).encode("utf-8")
    body += b" " * max(0, int(length) - len(body))
    body += b" " * (-len(body) % _PAD)
    cipher = bytes(a ^ b for a, b in zip(body, _stream(secret, len(body))))
    return tag + ":" + base64.b64encode(cipher).decode("ascii")


def _open(salt: str, text: str, entries):
    tag, key = _derive(salt, text)
    for entry in entries:
        etag, _, blob = str(entry).partition(":")
        if etag == tag:
            cipher = base64.b64decode(blob)
            body = bytes(a ^ b for a, b in zip(cipher, _stream(key, len(cipher))))
            return json.loads(body.decode("utf-8"))
    return None


def check(value, salt: str, entries, *, name: str = "your answer", hint: str = "", grid=None) -> None:
    """Tell a self-study student whether ``value`` answers the question.

    Prints the explanation when the answer is right; raises
    :class:`AssertionError` (so the cell shows as failed, like any visible
    test) when it is not, with the message sealed for that wrong answer, else
    ``hint``.

    Parameters
    ----------
    value : object
        The student's answer.
    salt : str
        The question's salt, as given to :func:`seal`.
    entries : sequence of str
        Entries made by :func:`seal`.
    name : str
        The variable the student set, for the messages.
    hint : str
        Shown after a wrong answer that has no message of its own.
    grid : (float, str), optional
        For a question that accepts a tolerance: the entries were sealed
        under :func:`grid_key` with this grid.

    Examples
    --------
    >>> from l2reg.quiz import seal, check
    >>> entries = [seal("demo", "b", True, "only the intercept is left"),
    ...            seal("demo", "a", False, "the intercept is not penalized")]
    >>> check("b", "demo", entries, name="q2")
    q2 = 'b' is right: only the intercept is left
    >>> check("a", "demo", entries, name="q2")
    Traceback (most recent call last):
    ...
    AssertionError: q2 = 'a' is not right: the intercept is not penalized
    >>> check("c", "demo", entries, name="q2", hint="What is left when every weight is zero?")
    Traceback (most recent call last):
    ...
    AssertionError: q2 = 'c' is not right. What is left when every weight is zero?
    >>> check("c", "demo", entries, name="q2", hint="what is left when every weight is zero?")
    Traceback (most recent call last):
    ...
    AssertionError: q2 = 'c' is not right. What is left when every weight is zero?
    >>> check("c", "demo", entries, name="q2", hint="λ = σ²/(nτ²) here.")
    Traceback (most recent call last):
    ...
    AssertionError: q2 = 'c' is not right. λ = σ²/(nτ²) here.
    """
    try:
        found = _open(salt, normalize(value) if grid is None else grid_key(value, grid), entries)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} = {value!r} is not an answer this question can take") from None
    if found is not None and found.get("right"):
        print(f"{name} = {value!r} is right: {found['text']}")
        return
    if found is not None:
        raise AssertionError(f"{name} = {value!r} is not right: {found['text']}")
    # The hint follows a full stop: start it with a capital (hints are often written in lower
    # case), but only a Latin one: a hint that starts with a symbol such as λ keeps it as it is.
    if hint and "a" <= hint[:1] <= "z":
        hint = hint[:1].upper() + hint[1:]
    raise AssertionError(f"{name} = {value!r} is not right." + (f" {hint}" if hint else " Try again."))
