"""The form of one environment's variables: ``MAX_PER_ENVIRONMENT`` rows of key and value.

Per-field checks use the shared validators; the service checks everything again (the API and
the console refuse the same things)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from miniprograms.envvars.models import KEY_MAX, MAX_PER_ENVIRONMENT, VALUE_MAX
from miniprograms.envvars.validators import validate_key, validate_value


class EnvironmentVariablesForm(forms.Form):
    """Rows ``key_<n>`` / ``value_<n>`` (n = 1…MAX); an empty row is ignored, a value without a
    key is refused."""

    def __init__(self, *args: Any, initial_variables: Mapping[str, str] | None = None, **kwargs):
        initial = dict(kwargs.pop("initial", None) or {})
        for n, (key, value) in enumerate((initial_variables or {}).items(), start=1):
            initial[f"key_{n}"], initial[f"value_{n}"] = key, value
        super().__init__(*args, initial=initial, **kwargs)
        for n in range(1, MAX_PER_ENVIRONMENT + 1):
            self.fields[f"key_{n}"] = forms.CharField(
                label=_("Key %(n)d") % {"n": n},
                required=False,
                max_length=KEY_MAX,
                widget=forms.TextInput(
                    attrs={
                        "class": "mono",
                        "autocomplete": "off",
                        "spellcheck": "false",
                        "autocapitalize": "characters",
                        "placeholder": "API_BASE_URL" if n == 1 else "",
                    }
                ),
            )
            self.fields[f"value_{n}"] = forms.CharField(
                label=_("Value %(n)d") % {"n": n},
                required=False,
                max_length=VALUE_MAX,
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "off",
                        "spellcheck": "false",
                        "placeholder": "https://api.example.com" if n == 1 else "",
                    }
                ),
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"key_{n}"], self[f"value_{n}"]) for n in range(1, MAX_PER_ENVIRONMENT + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        seen: set[str] = set()
        for n in range(1, MAX_PER_ENVIRONMENT + 1):
            key_name, value_name = f"key_{n}", f"value_{n}"
            if key_name not in data or value_name not in data:
                continue  # the field itself failed (too long)
            key, value = data[key_name], data[value_name]
            if not key:
                if value:
                    self.add_error(key_name, _("Give this value a key, or clear the value."))
                continue
            try:
                validate_key(key)
            except ValidationError as exc:
                self.add_error(key_name, exc)
                continue
            try:
                validate_value(value, key=key)
            except ValidationError as exc:
                self.add_error(value_name, exc)
            if key in seen:
                self.add_error(key_name, _("%(key)s is listed twice.") % {"key": key})
            seen.add(key)
        return data

    def variables(self) -> list[tuple[str, str]]:
        """The filled rows, in order, as ``(key, value)``."""
        data = self.cleaned_data
        return [
            (data[f"key_{n}"], data[f"value_{n}"])
            for n in range(1, MAX_PER_ENVIRONMENT + 1)
            if data.get(f"key_{n}")
        ]
