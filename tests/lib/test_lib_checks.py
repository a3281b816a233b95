"""Records of hidden tests: encoding, comparison, and the in-kernel answer key."""

from __future__ import annotations

import json

import numpy as np
import pytest

from l2reg.checks import KEY_ENV, MIME, encode, matches, record


@pytest.mark.parametrize(
    "a, b, same",
    [
        (1.0, 1.0 + 1e-12, True),
        (1.0, 1.001, False),
        (np.array([1.0, 2.0]), [1.0, 2.0], True),
        (np.array([1.0, 2.0]), np.array([[1.0, 2.0]]), False),  # shape matters
        (np.array([1.0, np.nan]), np.array([1.0, np.nan]), True),
        (float("inf"), float("inf"), True),
        (float("inf"), 1e308, False),
        ("b", "b", True),
        ("b", "B", False),
        (True, True, True),
        (True, 1.0, False),  # a bool is not the number 1
        (1, 1.0, True),
        (None, None, True),
        (None, 0.0, False),
        ([np.zeros(2), np.zeros(3)], [np.zeros(2), np.zeros(3)], True),
        ([np.zeros(2), np.zeros(3)], [np.zeros(2)], False),
        ({"a": 1.0}, {"a": 1.0}, True),
        ({"a": 1.0}, {"b": 1.0}, False),
        (object(), object(), False),  # unrecordable matches nothing
        ("1.0", 1.0, False),
    ],
)
def test_matches(a, b, same):
    assert matches(encode(a), encode(b)) is same


def test_encoding_is_json():
    value = encode({"w": np.arange(3.0), "ok": True, "bad": float("nan"), "rows": [[1, 2], [3]]})
    assert json.loads(json.dumps(value, allow_nan=False)) == value


def test_record_checks_against_an_answer_key(tmp_path, monkeypatch):
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"k": {"key": "k", "value": encode(2.5), "rtol": 1e-7, "atol": 1e-10}}))
    monkeypatch.setenv(KEY_ENV, str(key))
    record("k", 2.5)
    record("k", 5 / 2)
    with pytest.raises(AssertionError, match="'k'"):
        record("k", 2.4)
    with pytest.raises(AssertionError):
        record("unknown", 2.5)


def test_record_without_a_key_emits_the_record_and_no_verdict(monkeypatch):
    """In a notebook without an answer key a wrong result is displayed as a record (for
    the grader to compare outside the kernel) and raises nothing."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    shown = []
    monkeypatch.setattr("IPython.core.interactiveshell.InteractiveShell.initialized",
                        classmethod(lambda cls: True))
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    assert record("anything", "wrong", rtol=1e-3) is None  # no key, no verdict
    assert shown == [({MIME: {"key": "anything", "value": encode("wrong"), "rtol": 1e-3, "atol": 1e-10}}, True)]
