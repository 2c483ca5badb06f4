"""Forms of the Domains pages: the five lists (one entry per line), restricting a tenant mini
program, applying to skip domain verification, and the tenant's edit grants. The rules are
``validators.py``'s (the API and the services apply the same ones)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from miniprograms.domains.services import REASON_MAX
from miniprograms.domains.validators import MAX_PER_TYPE, clean_lists
from miniprograms.models import MiniProgram
from workspaces.models import Workspace

# Form field names (Python identifiers) → list keys.
FIELD_KEYS: dict[str, str] = {
    "request": "request",
    "upload_file": "uploadFile",
    "download_file": "downloadFile",
    "socket": "socket",
    "webview": "webview",
}
KEY_FIELDS = {key: name for name, key in FIELD_KEYS.items()}

_DOMAIN_HELP = _(
    "One per line: https://host or https://host:port, no path or query. "
    "At most %(max)s; .* alone allows every domain."
)


def _area(placeholder: str) -> forms.Textarea:
    return forms.Textarea(
        attrs={
            "rows": 4,
            "spellcheck": "false",
            "autocapitalize": "off",
            "autocomplete": "off",
            "class": "mono",
            "placeholder": placeholder,
        }
    )


class DomainListsForm(forms.Form):
    """The five lists of one configuration (global or one version); all or nothing."""

    request = forms.CharField(
        label=_("request domains"),
        required=False,
        widget=_area("https://api.example.com"),
        help_text=_DOMAIN_HELP % {"max": MAX_PER_TYPE},
    )
    upload_file = forms.CharField(
        label=_("uploadFile domains"),
        required=False,
        widget=_area("https://upload.example.com"),
        help_text=_DOMAIN_HELP % {"max": MAX_PER_TYPE},
    )
    download_file = forms.CharField(
        label=_("downloadFile domains"),
        required=False,
        widget=_area("https://cdn.example.com"),
        help_text=_DOMAIN_HELP % {"max": MAX_PER_TYPE},
    )
    socket = forms.CharField(
        label=_("socket domains"),
        required=False,
        widget=_area("wss://socket.example.com"),
        help_text=_(
            "One per line: wss://host or wss://host:port, no path or query. At most %(max)s; "
            ".* alone allows every domain."
        )
        % {"max": MAX_PER_TYPE},
    )
    webview = forms.CharField(
        label=_("WAP URLs (web-view)"),
        required=False,
        widget=_area("https://m.example.com/shop/"),
        help_text=_(
            "Web pages the mini program may open in a web-view, one per line: https://host, "
            "optionally with a path that the page's address must start with; no query. At most "
            "%(max)s; .* alone allows every page."
        )
        % {"max": MAX_PER_TYPE},
    )

    @classmethod
    def from_lists(cls, lists: dict[str, list[str]], **kwargs: Any) -> DomainListsForm:
        initial = {KEY_FIELDS[key]: "\n".join(entries) for key, entries in lists.items()}
        return cls(initial=initial, **kwargs)

    def raw_lists(self) -> dict[str, str]:
        """The typed text of each list, by list key (what the service validates again)."""
        return {FIELD_KEYS[name]: self.cleaned_data.get(name) or "" for name in FIELD_KEYS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            clean_lists({FIELD_KEYS[n]: cleaned.get(n) or "" for n in FIELD_KEYS})
        except ValidationError as exc:
            for key, errors in exc.error_dict.items():
                self.add_error(KEY_FIELDS.get(key), errors)
        return cleaned


class RestrictionForm(forms.Form):
    restricted = forms.TypedChoiceField(
        choices=[("1", "restrict"), ("0", "allow any")], coerce=lambda v: v == "1"
    )


class SkipApplyForm(forms.Form):
    """Apply to skip domain verification in one host app the mini program targets."""

    host_app = forms.TypedChoiceField(label=_("Host app"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the mini program must call servers it cannot list (the host app's reviewers "
            "read this). Up to %(max)s characters."
        )
        % {"max": REASON_MAX},
    )

    def __init__(self, *args: Any, host_apps: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["host_app"].choices = host_apps


class GrantAddForm(forms.Form):
    """Let a developer workspace, or one merchant mini program, edit its lists."""

    subject = forms.ChoiceField(label=_("Developer workspace or mini program"))

    def __init__(
        self,
        *args: Any,
        workspaces: list[Workspace],
        miniprograms: list[MiniProgram],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [
            ("", _("Choose…")),
            (
                _("Developer workspaces (every mini program)"),
                [(f"workspace:{w.slug}", w.name) for w in workspaces],
            ),
            (
                _("One mini program"),
                [(f"app:{m.app_id}", f"{m.name} · {m.workspace.name}") for m in miniprograms],
            ),
        ]

    def subject_args(self) -> dict[str, str]:
        kind, _sep, value = self.cleaned_data["subject"].partition(":")
        return {"developer_workspace_slug": value} if kind == "workspace" else {"app_id": value}
