"""The GET forms above the real-time pages and the Logs tab. Every field is optional and keeps
its input; an invalid form shows its errors next to the fields and the page falls back to the
defaults (real-time) or shows no lines (logs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from analytics.logs import (
    FIELD_MAX,
    LEVEL_CHOICES,
    TEXT_MAX,
    VERSION_MAX,
    Cursor,
    LogFilters,
    log_range_check,
)
from analytics.models import Environment
from workspaces.models import HostApp

ALL_ENVIRONMENTS = ""
ENVIRONMENT_CHOICES = [*Environment.choices, (ALL_ENVIRONMENTS, _("All environments"))]

# The series the real-time chart can draw (the table under it shows them all).
CHART_CHOICES = [
    ("pv", _("Page views (PV)")),
    ("uv", _("Visitors (UV)")),
    ("launches", _("Launches")),
    ("startups", _("Start-ups")),
    ("jsapi_calls", _("JSAPI calls")),
    ("http_exceptions", _("HTTP exceptions")),
    ("blank_screens", _("Blank screens")),
]


def day_label(day: date, index: int) -> str:
    shown = date_format(day, "M j")
    if index == 0:
        return str(_("Today (%(day)s)") % {"day": shown})
    if index == 1:
        return str(_("Yesterday (%(day)s)") % {"day": shown})
    return str(_("%(n)s days ago (%(day)s)") % {"n": index, "day": shown})


class _ScopeForm(forms.Form):
    host_app = forms.TypedChoiceField(
        label=_("Host app"), required=False, coerce=int, empty_value=None
    )
    environment = forms.ChoiceField(
        label=_("Environment"), required=False, choices=ENVIRONMENT_CHOICES
    )

    default_environment = Environment.PRODUCTION.value

    def __init__(self, *args: Any, host_apps: list[HostApp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_app"].choices = [  # type: ignore[attr-defined]
            ("", _("All host apps")),
            *((app.pk, app.name) for app in host_apps),
        ]
        if not self.is_bound:
            self.initial.setdefault("environment", self.default_environment)

    def valid_data(self) -> dict[str, Any]:
        """The fields that are valid (all of them when the form is); nothing when unbound."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def scope_values(self) -> dict[str, Any]:
        """``host_app_id`` and ``environment`` chosen (the default where missing or invalid)."""
        data = self.valid_data()
        environment = data.get("environment")
        if environment is None or "environment" not in self.data:
            environment = self.default_environment
        return {"host_app_id": data.get("host_app"), "environment": environment}


class RealtimeForm(_ScopeForm):
    """The real-time pages: a day of the last 3 (UTC), a host app (or all), an environment
    (production by default) and, on the figures page, the series the chart draws."""

    day = forms.TypedChoiceField(
        label=_("Day (UTC)"), required=False, coerce=date.fromisoformat, empty_value=None
    )
    chart = forms.ChoiceField(label=_("Chart"), required=False, choices=CHART_CHOICES)

    def __init__(self, *args: Any, days: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days = days
        self.fields["day"].choices = [  # type: ignore[attr-defined]
            (d.isoformat(), day_label(d, i)) for i, d in enumerate(days)
        ]

    def chosen(self) -> dict[str, Any]:
        data = self.valid_data()
        return {
            **self.scope_values(),
            "day": data.get("day") or self.days[0],
            "chart": data.get("chart") or CHART_CHOICES[0][0],
        }


class LogFilterForm(_ScopeForm):
    """The Logs tab's filters (times in the viewer's time zone)."""

    default_environment = ALL_ENVIRONMENTS

    since = forms.DateTimeField(
        label=_("From"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = forms.DateTimeField(
        label=_("To"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All levels")), *LEVEL_CHOICES],
    )
    q = forms.CharField(
        label=_("Message contains"),
        required=False,
        max_length=TEXT_MAX,
        strip=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Text in the message")}),
    )
    guid = forms.CharField(label=_("GUID"), required=False, max_length=FIELD_MAX["guid"])
    page = forms.CharField(
        label=_("Page"),
        required=False,
        max_length=FIELD_MAX["page"],
        widget=forms.TextInput(attrs={"placeholder": "pages/index/index"}),
    )
    platform = forms.CharField(
        label=_("OS"),
        required=False,
        max_length=FIELD_MAX["platform"],
        widget=forms.TextInput(attrs={"placeholder": "android, ios…", "list": "log-platforms"}),
    )
    os_version = forms.CharField(
        label=_("OS version"), required=False, max_length=FIELD_MAX["os_version"]
    )
    base_version = forms.CharField(
        label=_("Base library"),
        required=False,
        max_length=VERSION_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("version, e.g. 3.4.0")}),
    )
    client_version = forms.CharField(
        label=_("Client version"),
        required=False,
        max_length=VERSION_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("host app's, e.g. 8.2.0")}),
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_after(self) -> Cursor | None:
        raw = self.cleaned_data.get("after") or ""
        if not raw:
            return None
        try:
            return Cursor.decode(raw)
        except ValueError as exc:
            raise ValidationError(
                _("This page link is broken: start again from the first page.")
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            log_range_check(since=data.get("since"), until=data.get("until"))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(name, error)
        return data

    def filters(self) -> LogFilters:
        data = self.cleaned_data
        text = data.get("q") or ""
        return LogFilters(
            since=data.get("since"),
            until=data.get("until"),
            min_level=data.get("level"),
            platform=(data.get("platform") or "").strip(),
            os_version=(data.get("os_version") or "").strip(),
            guid=(data.get("guid") or "").strip(),
            page=(data.get("page") or "").strip(),
            text=text if text.strip() else "",
            base_version=(data.get("base_version") or "").strip(),
            client_version=(data.get("client_version") or "").strip(),
        )
