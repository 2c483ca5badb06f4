"""A tenant's view of the merchant mini programs that target its host apps: the list's query,
and the list and detail answers (the mini program's, plus who develops it)."""

from __future__ import annotations

from rest_framework import serializers

from console.api import IdField, QuerySerializer
from miniprograms.selectors import SHELF_FILTERS
from miniprograms.serializers.programs import MiniProgramDetailSerializer, MiniProgramSerializer


class HostedDeveloperSerializer(serializers.Serializer):
    """The merchant's developer workspace that develops the mini program (its name only: the
    tenant sees nothing of its team)."""

    slug = serializers.SlugField()
    name = serializers.CharField()


class HostedMiniProgramSerializer(MiniProgramSerializer):
    """A merchant mini program as the tenant's list shows it; ``host_apps`` are only the
    tenant's (active or offline)."""

    developer_workspace = HostedDeveloperSerializer(source="workspace")

    class Meta(MiniProgramSerializer.Meta):
        fields = [*MiniProgramSerializer.Meta.fields, "developer_workspace"]
        read_only_fields = fields


class HostedMiniProgramDetailSerializer(MiniProgramDetailSerializer):
    """A merchant mini program as the tenant reads it: the detail answer, plus its developer."""

    developer_workspace = HostedDeveloperSerializer(source="workspace")

    class Meta(MiniProgramDetailSerializer.Meta):
        fields = [*MiniProgramDetailSerializer.Meta.fields, "developer_workspace"]
        read_only_fields = fields


class HostedListQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Digits match the start of an App ID; text matches a name in any language.",
    )
    shelf = serializers.ChoiceField(
        choices=list(SHELF_FILTERS),
        required=False,
        help_text="on_shelf: released and on shelf; not_released: on shelf, no version released "
        "yet; off_shelf: taken off shelf.",
    )
    host_app = IdField(
        required=False,
        help_text="Only those linked to this host app (id) of the workspace, active or offline.",
    )
    developer_workspace = serializers.SlugField(
        max_length=50,
        required=False,
        help_text="Only those of this developer workspace (slug).",
    )
