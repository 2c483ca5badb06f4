"""The machine-facing JSON APIs' field rules (``console.apifields``): each refusal is the API's
own error, made from one sentence."""

from __future__ import annotations

import pytest

from console.apifields import json_object, required_app_id, required_text


class Bad(Exception):
    pass


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"{", "not valid JSON"),
        (b"\xff", "not valid JSON"),
        (b"[1]", "a JSON object"),
        (b"", "a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(raw, says):
    with pytest.raises(Bad, match=says):
        json_object(raw, bad=Bad)


def test_a_json_object_is_the_payload():
    assert json_object(b'{"a": 1}', bad=Bad) == {"a": 1}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (None, "“name” is required"),
        (5, "“name” is required"),
        ("   ", "“name” is required"),
        ("x" * 9, "longer than 8 characters"),
        ("a\x00b", "control characters"),
        ("a\u0085b", "control characters"),
    ],
)
def test_a_bad_text_field_is_refused_naming_the_field(value, says):
    with pytest.raises(Bad, match=says):
        required_text({"name": value}, "name", 8, bad=Bad)


def test_a_text_field_is_trimmed_and_its_length_counted_after():
    assert required_text({"name": "  12345678 "}, "name", 8, bad=Bad) == "12345678"


@pytest.mark.parametrize("app_id", ["0123456789012345", "123456789012345", "12345678901234567x"])
def test_an_app_id_is_sixteen_digits_without_a_leading_zero(app_id):
    with pytest.raises(Bad):
        required_app_id({"app_id": app_id}, bad=Bad)
    assert required_app_id({"app_id": "2026010112345678"}, bad=Bad) == "2026010112345678"
