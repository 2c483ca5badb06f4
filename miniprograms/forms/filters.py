"""The GET filters above the mini program list and the tester list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from miniprograms.forms.host_apps import host_app_choices
from workspaces.models import HostApp, Workspace


class TesterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search testers"),
        required=False,
        max_length=128,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Account")}),
    )

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""


class LongSelect(forms.Select):
    """A ``<select>`` for long flat lists (a workspace's 150 Developers): the same markup as
    Django's, written in one pass instead of through one template per option (flat choices,
    no groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        # Django's selection rule for a single select: the first option whose value is the
        # (formatted) value; the options straight from the choices, not one dict apiece.
        wanted = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            key = "" if option_value is None else str(option_value)
            chosen = key in wanted
            if chosen:
                wanted = set()
            options.append(
                f'<option value="{escape(key)}"{" selected" if chosen else ""}>'
                f"{conditional_escape(label)}</option>"
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("".join(options)),  # noqa: S308 - every value and label escaped above
        )


class SearchStatusFilters(forms.Form):
    """The filters every mini program list has: a name or an App ID, and on/off shelf."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or App ID")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=(
            ("", _("All")),
            ("on_shelf", _("On shelf")),
            ("not_released", _("Not released")),
            ("off_shelf", _("Off shelf")),
        ),
    )


class MiniProgramFilterForm(SearchStatusFilters):
    """The filters above a workspace's list (GET). Unknown values fall back to "all"."""

    host_app = forms.TypedChoiceField(label=_("Host app"), required=False, coerce=int)
    assigned = forms.TypedChoiceField(
        label=_("Assigned to"), required=False, coerce=int, widget=LongSelect
    )

    def __init__(
        self,
        *args: Any,
        host_apps: Sequence[HostApp],
        developers: Sequence[tuple[int, str]] | None,
        **kwargs: Any,
    ) -> None:
        """``developers``: ``(user id, label)`` of those the "Assigned to" filter offers
        (``miniprograms.selectors.developer_choices``); ``None`` leaves the filter out."""
        super().__init__(*args, **kwargs)
        self.fields["host_app"].choices = [("", gettext("Any")), *host_app_choices(host_apps)]
        if developers is None:  # only those who assign developers filter by them
            del self.fields["assigned"]
        else:
            self.fields["assigned"].choices = [("", gettext("Anyone")), *developers]

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``miniprogram_list`` (invalid input: no filter)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "shelf": data.get("status") or "",
            "host_app_id": data.get("host_app") or None,
            "assigned_user_id": data.get("assigned") or None,
        }


class HostedFilterForm(SearchStatusFilters):
    """The filters above a tenant's "From developers" list (GET): search, status, one of the
    tenant's host apps, one developer workspace. Unknown values fall back to "all"."""

    host_app = forms.TypedChoiceField(label=_("Host app"), required=False, coerce=int)
    developer = forms.ChoiceField(label=_("Developer"), required=False)

    def __init__(
        self,
        *args: Any,
        host_apps: Sequence[HostApp],
        developers: Sequence[Workspace],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_app"].choices = [("", gettext("Any")), *host_app_choices(host_apps)]
        self.fields["developer"].choices = [
            ("", gettext("Any")),
            *((w.slug, w.name) for w in developers),
        ]

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``miniprogram_hosted_list`` (invalid input: no filter)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "shelf": data.get("status") or "",
            "host_app_id": data.get("host_app") or None,
            "developer_slug": data.get("developer") or "",
        }


class AllTeamsFilterForm(SearchStatusFilters):
    """The filters above the all-teams list (GET): one of the user's teams, search, status.

    ``team`` offers only the teams passed in (the user's active workspaces, by slug). A slug
    that is not one of them is an error on the field and still reaches the selector, which
    answers an empty list for it: never another workspace's mini programs, never "all" instead.
    """

    team = forms.ChoiceField(
        label=_("Team"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of your teams.")},
    )

    def __init__(self, *args: Any, teams: Sequence[Workspace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [
            ("", gettext("All teams")),
            *((w.slug, f"{w.name} · {w.get_kind_display()}") for w in teams),
        ]

    @property
    def is_unknown_team(self) -> bool:
        """A ``team`` was asked for that is not one of the user's."""
        return self.is_bound and "team" in self.errors

    def values(self) -> dict[str, str]:
        """Keyword arguments for ``miniprogram_list_for_user`` (an invalid field: no filter,
        except an unknown team, which is passed on as asked so that it matches nothing)."""
        if not self.is_bound:
            return {"workspace_slug": "", "search": "", "shelf": ""}
        self.is_valid()
        data = self.cleaned_data
        team = data.get("team") or ""
        if self.is_unknown_team:
            team = str(self.data.get("team", "")).strip()
        return {
            "workspace_slug": team,
            "search": (data.get("q") or "").strip(),
            "shelf": data.get("status") or "",
        }
