"""Shapes of object grants: who holds which capability on what, granting, revoking."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import IdField, QuerySerializer
from workspaces.authz import GRANTABLE
from workspaces.models import Workspace
from workspaces.serializers import PersonSerializer


class GrantUserSerializer(PersonSerializer):
    membership_id = serializers.IntegerField(
        allow_null=True, help_text="Their membership here (null if they are no longer a member)."
    )


GRANT_OBJECT_TYPES = ["workspace", "miniprogram"]


class GrantObjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=GRANT_OBJECT_TYPES,
        help_text="What the grant is on: the workspace, or one of its mini programs (an "
        "assigned Developer holds miniprograms.develop_miniprogram on it).",
    )
    id = serializers.IntegerField()
    name = serializers.CharField()
    app_id = serializers.CharField(allow_null=True, help_text="The mini program's App ID.")


class GrantDeleteQuerySerializer(QuerySerializer):
    object_type = serializers.ChoiceField(
        choices=GRANT_OBJECT_TYPES,
        required=False,
        default="workspace",
        help_text="The grant's object.type: grant ids are counted per type of object.",
    )


class GrantSerializer(serializers.Serializer):
    """One capability granted to one person on one object (see GRANTABLE in authz)."""

    id = serializers.IntegerField()
    user = serializers.SerializerMethodField()
    cap = serializers.CharField(help_text="The capability (a Django permission string).")
    description = serializers.CharField()
    effective = serializers.BooleanField(
        help_text="False for a stored capability that can no longer be granted: it gives nothing."
    )
    object = serializers.SerializerMethodField()

    @extend_schema_field(GrantUserSerializer)
    def get_user(self, grant) -> dict[str, Any]:
        return {
            "name": grant.user.name,
            "email": grant.user.email,
            "membership_id": grant.membership_id,
        }

    @extend_schema_field(GrantObjectSerializer)
    def get_object(self, grant) -> dict[str, Any]:
        return {
            "type": grant.object_type,
            "id": grant.object.pk,
            "name": grant.object_repr,
            "app_id": grant.object_app_id,
        }


class GrantCreateSerializer(serializers.Serializer):
    membership_id = IdField(help_text="An active member (see /members).")
    cap = serializers.CharField(
        max_length=100,
        help_text="A capability that may be granted on the workspace: "
        + ", ".join(sorted(c.value for c in GRANTABLE[Workspace]))
        + " (host apps and developer workspaces only in tenant workspaces).",
    )
