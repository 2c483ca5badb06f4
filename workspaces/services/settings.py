"""Workspace settings: profile, branding (logo, favicon), contact preferences, agreements."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from console.text import clean_display_text
from workspaces import authz
from workspaces.authz import Cap
from workspaces.images import validate_image
from workspaces.models import Membership, Workspace, WorkspaceSettings
from workspaces.services.audit import audit_record

LOGO_MAX_BYTES = 512 * 1024
FAVICON_MAX_BYTES = 64 * 1024
TEXT_FIELDS = (
    "service_email",
    "email_preference",
    "preferred_domain",
    "about_url",
    "terms_url",
    "terms_text",
    "privacy_policy",
)

PRIVACY_TEMPLATE = """\
{workspace} Privacy Policy

1. What we collect. When you use mini programs in {workspace}, we collect the information the
   mini program needs to work: your account identifier, device model and operating system, and
   the actions you take in the mini program.
2. Why. To provide the service, keep it secure, and improve it. We do not sell personal data.
3. Sharing. A mini program's provider receives only the data you authorise it to receive.
4. Retention. Detailed usage data is kept for at most 90 days; aggregated statistics longer.
5. Your rights. You can ask for a copy of your data, its correction or deletion by writing to
   {email}.
"""


def workspace_settings_get(*, workspace: Workspace) -> WorkspaceSettings:
    """The settings row of a workspace, created empty on first use."""
    row, _ = WorkspaceSettings.objects.get_or_create(workspace=workspace)
    return row


def privacy_policy_template(*, workspace: Workspace) -> str:
    row = workspace_settings_get(workspace=workspace)
    return PRIVACY_TEMPLATE.format(
        workspace=workspace.name, email=row.service_email or "the workspace's service email"
    )


def validate_logo(upload: UploadedFile) -> None:
    validate_image(upload, label="The logo", max_bytes=LOGO_MAX_BYTES, square=True, min_side=64)


def validate_favicon(upload: UploadedFile) -> None:
    validate_image(
        upload,
        label="The favicon",
        max_bytes=FAVICON_MAX_BYTES,
        formats=frozenset({"PNG", "ICO"}),
        square=True,
        max_side=512,
    )


def _validate_domain(value: str) -> None:
    if not value:
        return
    try:
        URLValidator(schemes=["https"])(f"https://{value}")
    except ValidationError as exc:
        raise ValidationError(
            {"preferred_domain": "Enter a host name such as console.example.com."}
        ) from exc
    if "/" in value or ":" in value:
        raise ValidationError(
            {"preferred_domain": "Enter only the host name, without a path or port."}
        )


def _snapshot(row: WorkspaceSettings, workspace: Workspace) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(row, f) for f in TEXT_FIELDS}
    data.update(name=workspace.name, default_language=workspace.default_language)
    data.update(logo=row.logo.name or "", favicon=row.favicon.name or "")
    return data


# Display texts (console/text.py): field → (label, multi-line). The terms and the privacy
# policy are documents pasted from elsewhere (tabs and all), not display text.
DISPLAY_TEXTS = {"name": ("The workspace name", False)}


def _clean_display_texts(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with its display texts cleaned; every refusal at once, keyed by field."""
    cleaned, errors = dict(changes), {}
    for field, (label, multiline) in DISPLAY_TEXTS.items():
        if isinstance(changes.get(field), str):
            try:
                cleaned[field] = clean_display_text(
                    changes[field], label=label, multiline=multiline
                )
            except ValidationError as exc:
                errors[field] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def workspace_settings_update(
    *,
    actor: Membership,
    changes: dict[str, Any],
    logo: UploadedFile | None = None,
    favicon: UploadedFile | None = None,
    clear_logo: bool = False,
    clear_favicon: bool = False,
) -> WorkspaceSettings:
    """Apply ``changes`` (workspace name/default language and the settings fields)."""
    authz.require(actor, Cap.CHANGE_WORKSPACE)
    workspace = Workspace.objects.select_for_update().get(pk=actor.workspace_id)
    row = workspace_settings_get(workspace=workspace)
    before = _snapshot(row, workspace)
    unknown = set(changes) - set(TEXT_FIELDS) - {"name", "default_language"}
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    if changes.get("service_email"):
        try:
            validate_email(changes["service_email"])
        except ValidationError as exc:
            raise ValidationError({"service_email": "Enter a valid email address."}) from exc
    _validate_domain(changes.get("preferred_domain", "").strip().lower())
    for field in ("about_url", "terms_url"):
        if changes.get(field):
            try:
                URLValidator(schemes=["http", "https"])(changes[field])
            except ValidationError as exc:
                raise ValidationError({field: "Enter a valid URL starting with https://."}) from exc
    if logo:
        validate_logo(logo)
    if favicon:
        validate_favicon(favicon)
    changes = _clean_display_texts(changes)
    for field in ("name", "default_language"):
        if field in changes:
            setattr(workspace, field, (changes[field] or "").strip())
    workspace.full_clean()
    workspace.save(update_fields=["name", "default_language", "updated_at"])
    for field in TEXT_FIELDS:
        if field in changes:
            value = changes[field]
            setattr(row, field, value.strip() if isinstance(value, str) else value)
    row.preferred_domain = row.preferred_domain.lower()
    row.full_clean(exclude=["logo", "favicon"])
    row.save()
    obsolete: list[str] = []
    for field, upload, clear in (("logo", logo, clear_logo), ("favicon", favicon, clear_favicon)):
        current = getattr(row, field)
        if (upload or clear) and current:
            obsolete.append(current.name)
        if upload:
            current.save(upload.name, upload, save=True)
        elif clear and current:
            setattr(row, field, "")
            row.save(update_fields=[field, "updated_at"])
    if obsolete:
        storage = row.logo.storage

        def _delete_obsolete() -> None:
            for name in obsolete:
                storage.delete(name)

        transaction.on_commit(_delete_obsolete)
    after = _snapshot(row, workspace)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit_record(
            actor=actor.user,
            verb="workspace.update_settings",
            workspace=workspace,
            target=workspace,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )
    return row
