"""The scanner never fails with anything but a sentence: mutated and truncated zips."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releases.package.scanner import PackageRejected, scan_package
from releases.tests.packages import zip_bytes

GOOD = zip_bytes()


def _scan_or_refuse(data: bytes) -> None:
    try:
        scan_package(io.BytesIO(data))
    except PackageRejected as exc:
        assert exc.message and exc.code  # a sentence and a code, never an empty refusal


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(GOOD) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    )
)
def test_flipped_bytes_are_scanned_or_refused_with_a_sentence(flips):
    data = bytearray(GOOD)
    for offset, value in flips:
        data[offset] = value
    _scan_or_refuse(bytes(data))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(GOOD)))
def test_truncated_packages_are_refused_with_a_sentence(length):
    _scan_or_refuse(GOOD[:length])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_are_refused_with_a_sentence(data):
    _scan_or_refuse(data)
