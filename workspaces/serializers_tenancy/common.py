"""What several tenancy serializers share: the role and invitation-status choices (named once in
``SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]``), the upload-validator bridge and file URLs."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from workspaces.authz import assignable_roles
from workspaces.models import Membership

ROLE_CHOICES = Membership.Role.choices
ASSIGNABLE_ROLES = [(value, label) for value, label in ROLE_CHOICES if value in assignable_roles()]
INVITATION_STATUSES = ["pending", "expired", "accepted", "withdrawn"]


def run_validator(validator, value):
    """Run a Django validator shared with the forms; report its messages on this field."""
    try:
        validator(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


def file_url(request, file) -> str | None:
    if not file:
        return None
    url = file.url
    return request.build_absolute_uri(url) if request is not None else url
