"""The industry taxonomy's shapes (``/industries``)."""

from __future__ import annotations

from rest_framework import serializers

from console.api import QuerySerializer
from miniprograms.models import Industry


class IndustrySerializer(serializers.ModelSerializer):
    """A leaf of the industry taxonomy: what ``industry`` takes (its ``code``)."""

    group_code = serializers.CharField(source="parent.code")
    group_name = serializers.CharField(source="parent.name")

    class Meta:
        model = Industry
        fields = ["code", "name", "group_code", "group_name"]
        read_only_fields = fields


class IndustryQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Part of an industry's name or of its group's name.",
    )
