"""The rules for an environment variable's key and value: one module, used by the form, the
serializer and the service alike (STYLE.md §10b)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from console.text import CONTROL
from miniprograms.envvars.models import KEY_MAX, KEY_PATTERN, VALUE_MAX

KEY_RE = re.compile(KEY_PATTERN)


def key_help() -> str:
    return _(
        "Capital letters, digits and underscores, starting with a capital letter; at most "
        "%(max)d characters (e.g. API_BASE_URL)."
    ) % {"max": KEY_MAX}


def value_help() -> str:
    return _("At most %(max)d characters, on one line (no tabs or line breaks).") % {
        "max": VALUE_MAX
    }


def validate_key(key: str) -> str:
    """``key`` if it is a valid variable name, else ``ValidationError`` saying the rule."""
    if not KEY_RE.fullmatch(key):
        if len(key) > KEY_MAX:
            raise ValidationError(
                _("“%(key)s…” is longer than %(max)d characters.")
                % {"key": key[:20], "max": KEY_MAX},
                code="key_too_long",
            )
        raise ValidationError(
            _("“%(key)s” is not a valid name: %(rule)s")
            % {"key": key[:KEY_MAX], "rule": key_help()},
            code="key_invalid",
        )
    return key


def validate_value(value: str, *, key: str = "") -> str:
    """``value`` if it fits: at most ``VALUE_MAX`` characters, no control characters (no line
    breaks, tabs or NUL), no lone surrogates."""
    name = key or _("the value")
    if len(value) > VALUE_MAX:
        raise ValidationError(
            _("The value of %(key)s is longer than %(max)d characters (%(count)d).")
            % {"key": name, "max": VALUE_MAX, "count": len(value)},
            code="value_too_long",
        )
    if bad := CONTROL.search(value):
        raise ValidationError(
            _(
                "The value of %(key)s contains a control character (U+%(code)04X) at "
                "position %(position)d: use one line of printable text."
            )
            % {"key": name, "code": ord(bad.group()), "position": bad.start() + 1},
            code="value_control_character",
        )
    return value
