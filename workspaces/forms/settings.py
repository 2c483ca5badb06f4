"""Forms of the host app, developer workspace and workspace settings pages (input shape only).

Images are checked by the same validators the services use (decoded with Pillow, never judged
by file name), so a bad upload becomes a field error before anything is written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workspaces.models import HostApp, HostAppPlatform, Workspace, WorkspaceSettings
from workspaces.services.hostapps import (
    PREVIEW_SCHEME_MAX,
    validate_icon,
    validate_preview_scheme,
)
from workspaces.services.settings import TEXT_FIELDS, validate_favicon, validate_logo

IMAGE_ACCEPT = "image/png,image/jpeg"
RELEASE_FIELDS = ("preview_scheme", "sandbox_needs_review")


class HostAppForm(forms.Form):
    """Name, description, one bundle id / package name per platform, optional icon."""

    PLATFORM_HELP = {
        HostAppPlatform.Platform.ANDROID: _("Package name, e.g. com.example.superapp"),
        HostAppPlatform.Platform.IOS: _("Bundle ID, e.g. com.example.SuperApp"),
        HostAppPlatform.Platform.HARMONYOS: _("Bundle name, e.g. com.example.superapp"),
    }

    name = forms.CharField(
        label=_("Name"),
        max_length=HostApp._meta.get_field("name").max_length,
        help_text=_("How the app is known to your team and to merchants; unique in the workspace."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Up to 500 characters."),
    )
    icon = forms.FileField(
        label=_("Icon"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("Square PNG or JPEG, 48–4096 pixels per side, at most 512 KB."),
    )
    # Releases into this app (the reviewer's preview and the sandbox review).
    preview_scheme = forms.CharField(
        label=_("Preview link scheme"),
        required=False,
        max_length=PREVIEW_SCHEME_MAX + 3,  # "acmewallet://" is read as "acmewallet"
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocapitalize": "off", "placeholder": "acmewallet"}
        ),
        help_text=_(
            "The custom URL scheme your app opens, e.g. acmewallet. Reviewers scan a QR code of "
            "acmewallet://preview?app_id=…&amp;version=…&amp;token=… to open the exact version "
            "under review on a phone. A letter, then letters, digits, + - or . (at most 40)."
        ),
    )
    sandbox_needs_review = forms.BooleanField(
        label=_("Sandbox releases need review"),
        required=False,
        help_text=_(
            "Off by default, as on Alipay+: sandbox releases are approved at once. On: they "
            "wait for an Owner, Admin or Reviewer like production releases."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One field per platform, inserted after the description, in the model's order.
        fields = dict(self.fields)
        icon = fields.pop("icon")
        release_fields = {name: fields.pop(name) for name in RELEASE_FIELDS}
        for value, label in HostAppPlatform.Platform.choices:
            fields[f"platform_{value}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                help_text=self.PLATFORM_HELP[value],
                widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
            )
        fields["icon"] = icon
        fields.update(release_fields)
        self.fields = fields

    @property
    def platform_fields(self) -> list[forms.BoundField]:
        return [self[f"platform_{value}"] for value in HostAppPlatform.Platform.values]

    @classmethod
    def initial_for(cls, app: HostApp) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": app.name,
            "description": app.description,
            "preview_scheme": app.preview_scheme,
            "sandbox_needs_review": app.sandbox_needs_review,
        }
        for platform in app.platforms.all():
            initial[f"platform_{platform.platform}"] = platform.bundle_id
        return initial

    def clean_preview_scheme(self) -> str:
        try:
            return validate_preview_scheme(self.cleaned_data.get("preview_scheme") or "")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["preview_scheme"]) from exc

    def release_settings(self) -> dict[str, Any]:
        """What the host app services take for the release fields."""
        return {name: self.cleaned_data[name] for name in RELEASE_FIELDS}

    def clean_icon(self):
        icon = self.cleaned_data.get("icon")
        if icon:
            validate_icon(icon)
        return icon

    def clean(self):
        data = super().clean()
        if not any((data.get(f"platform_{v}") or "").strip() for v in self.platform_values()):
            raise ValidationError(
                _("Give the bundle ID or package name of at least one platform."),
                code="no_platform",
            )
        return data

    @staticmethod
    def platform_values() -> list[str]:
        return list(HostAppPlatform.Platform.values)

    def platforms(self) -> dict[str, str]:
        return {v: self.cleaned_data.get(f"platform_{v}") or "" for v in self.platform_values()}


class DeveloperWorkspaceForm(forms.Form):
    name = forms.CharField(
        label=_("Workspace name"),
        max_length=Workspace._meta.get_field("name").max_length,
        help_text=_("Usually the merchant's name, e.g. “Blue Bottle Coffee”."),
    )
    owner_name = forms.CharField(label=_("Owner's name"), max_length=120)
    owner_email = forms.EmailField(
        label=_("Owner's email"),
        help_text=_(
            "We email an invitation to this address. The link works once and expires after "
            "3 days; the owner can then invite their own team."
        ),
    )


class WorkspaceSettingsForm(forms.Form):
    """Every section of the settings page; ``changes()`` is what the service accepts."""

    # Profile
    name = forms.CharField(
        label=_("Workspace name"), max_length=Workspace._meta.get_field("name").max_length
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("Used for emails to people who have not chosen a language."),
    )
    # Branding
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("Square PNG or JPEG, at least 64 pixels per side, at most 512 KB."),
    )
    clear_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    favicon = forms.FileField(
        label=_("Favicon"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/x-icon,.ico"}),
        help_text=_("Square PNG or ICO, at most 512 pixels per side and 64 KB."),
    )
    clear_favicon = forms.BooleanField(label=_("Remove the current favicon"), required=False)
    # Contact
    service_email = forms.EmailField(
        label=_("Service email"),
        required=False,
        help_text=_("Where users of your mini programs can write; shown in the privacy policy."),
    )
    email_preference = forms.ChoiceField(
        label=_("Email notifications"),
        choices=WorkspaceSettings.EmailPreference.choices,
        widget=forms.RadioSelect,
    )
    preferred_domain = forms.CharField(
        label=_("Preferred domain"),
        required=False,
        max_length=253,
        help_text=_(
            "Host name used in links the console sends for this workspace, e.g. "
            "console.example.com (no https://, path or port)."
        ),
    )
    about_url = forms.URLField(
        label=_("“About us” URL"), required=False, assume_scheme="https", max_length=200
    )
    # Agreements
    terms_url = forms.URLField(
        label=_("Terms of service URL"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=_("Link to your terms, or paste them below, or both."),
    )
    terms_text = forms.CharField(
        label=_("Terms of service text"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    privacy_policy = forms.CharField(
        label=_("User privacy policy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Shown to users before a mini program asks for their data."),
    )

    SECTIONS = (
        (_("Profile"), ("name", "default_language")),
        (_("Branding"), ("logo", "clear_logo", "favicon", "clear_favicon")),
        (_("Contact"), ("service_email", "email_preference", "preferred_domain", "about_url")),
        (_("Agreements"), ("terms_url", "terms_text", "privacy_policy")),
    )

    @classmethod
    def initial_for(cls, *, workspace: Workspace, row: WorkspaceSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {f: getattr(row, f) for f in TEXT_FIELDS}
        initial.update(name=workspace.name, default_language=workspace.default_language)
        return initial

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo:
            validate_logo(logo)
        return logo

    def clean_favicon(self):
        favicon = self.cleaned_data.get("favicon")
        if favicon:
            validate_favicon(favicon)
        return favicon

    def changes(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in (*TEXT_FIELDS, "name", "default_language")}
