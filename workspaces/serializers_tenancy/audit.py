"""Shapes of the audit log: one event (with its sentence) and the list's filters."""

from __future__ import annotations

from rest_framework import serializers

from console.api import QuerySerializer
from workspaces.auditlog import audit_sentence
from workspaces.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField(
        help_text='The event in one sentence, as the console shows it ("Dev Developer uploaded '
        'version 1.2.0 of Acme Mall").'
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_label",
            "verb",
            "summary",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "ip",
            "request_id",
        ]
        read_only_fields = fields

    def get_summary(self, event: AuditEvent) -> str:
        return audit_sentence(event)


class AuditQuerySerializer(QuerySerializer):
    actor = serializers.CharField(
        max_length=254, required=False, allow_blank=True, help_text="Part of the actor's email."
    )
    verb = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Action prefix: 'membership' or 'membership.block'.",
    )
    target = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Part of the target's name."
    )
    since = serializers.DateField(required=False, help_text="From this day (ISO date, UTC).")
    until = serializers.DateField(required=False, help_text="Up to this day, inclusive.")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["Must not be before 'since'."]})
        return attrs
