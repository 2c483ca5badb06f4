"""Who works on a mini program (assigned Developers) and its tester whitelist."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import IdField, QuerySerializer
from miniprograms.models import MiniProgramTester
from miniprograms.services.members import ACCOUNT_MAX, NOTE_MAX
from workspaces.models import Membership
from workspaces.serializers import PersonSerializer


class DeveloperSerializer(serializers.ModelSerializer):
    """A Developer assigned to the mini program (they may edit it and manage its testers)."""

    membership_id = serializers.IntegerField(source="id")
    name = serializers.CharField(source="user.name")
    email = serializers.EmailField(source="user.email")
    status = serializers.ChoiceField(choices=Membership.Status.choices)

    class Meta:
        model = Membership
        fields = ["user_id", "membership_id", "name", "email", "status"]
        read_only_fields = fields


class DeveloperAssignSerializer(serializers.Serializer):
    user_id = IdField(help_text="A Developer of the workspace (see /members).")


class MiniProgramTesterSerializer(serializers.ModelSerializer):
    added_by = serializers.SerializerMethodField()

    class Meta:
        model = MiniProgramTester
        fields = ["id", "account", "note", "added_by", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_added_by(self, tester: MiniProgramTester) -> dict[str, str] | None:
        return PersonSerializer(tester.added_by).data if tester.added_by else None


class MiniProgramTesterQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        max_length=ACCOUNT_MAX, required=False, allow_blank=True, help_text="Part of an account."
    )


class AddTestersSerializer(serializers.Serializer):
    """Accounts as a list, or as text with one account per line (a .txt list's content)."""

    accounts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        help_text="Host-app user accounts (user id, phone or email).",
    )
    accounts_text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="One account per line; blank lines and lines starting with # are skipped.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Shown beside each added account; at most {NOTE_MAX} characters.",
    )


class AddTestersResultSerializer(serializers.Serializer):
    added = MiniProgramTesterSerializer(many=True)
    already_listed = serializers.ListField(
        child=serializers.CharField(), help_text="Accounts that were on the list already."
    )
