"""The webhook URL rule's character check (``webhook_transport.parse_url``): a URL with a space
or a control character is refused, exactly as ``str.isspace`` and the C0 controls and DEL say."""

from __future__ import annotations

import sys

import pytest

from workspaces import webhook_transport
from workspaces.webhook_transport import WebhookURLRefused


def test_the_bad_character_pattern_is_isspace_and_the_controls_over_every_code_point():
    pattern = webhook_transport._URL_BAD_CHARACTER
    differ = [
        code
        for code in range(sys.maxunicode + 1)
        if bool(pattern.search(chr(code))) != (chr(code).isspace() or code < 32 or code == 127)
    ]
    assert differ == []


@pytest.mark.parametrize("bad", [" ", "\t", "\x00", "\x7f", "\u00a0", "\u2028", "\u3000"])
def test_a_url_with_a_space_or_a_control_character_is_refused(bad):
    with pytest.raises(WebhookURLRefused, match="spaces or control characters"):
        webhook_transport.parse_url(f"https://hooks.example.com/a{bad}b")


def test_a_clean_url_is_taken_apart():
    target = webhook_transport.parse_url("https://Hooks.Example.com:8443/mpp?x=1")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "/mpp?x=1",
    )
