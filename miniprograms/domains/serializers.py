"""The domains API's shapes (documented by drf-spectacular). Lists use the runtime answer's keys
(``request``, ``uploadFile``, ``downloadFile``, ``socket``, ``webview``); the rules are
``validators.py``'s, applied by the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import IdField
from miniprograms.domains.selectors import DomainsOverview, SkipState
from miniprograms.domains.services import REASON_MAX
from miniprograms.domains.validators import MAX_LINE, MAX_PER_TYPE, TYPES


def _list(help_text: str, *, required: bool = False) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=MAX_LINE, allow_blank=True, trim_whitespace=False),
        required=required,
        max_length=MAX_PER_TYPE * 5,  # duplicates are collapsed before the limit is counted
        help_text=help_text,
    )


class DomainListsSerializer(serializers.Serializer):
    """The five lists (each entry stored in its canonical form)."""

    request = serializers.ListField(child=serializers.CharField(), help_text="https://host[:port]")
    uploadFile = serializers.ListField(
        child=serializers.CharField(), help_text="https://host[:port]"
    )
    downloadFile = serializers.ListField(
        child=serializers.CharField(), help_text="https://host[:port]"
    )
    socket = serializers.ListField(child=serializers.CharField(), help_text="wss://host[:port]")
    webview = serializers.ListField(
        child=serializers.CharField(), help_text="WAP URLs: https://host[:port][/path prefix]"
    )


class DomainSourcesSerializer(serializers.Serializer):
    """Where each effective list comes from: ``version``, ``global`` or empty (none)."""

    request = serializers.CharField()
    uploadFile = serializers.CharField()
    downloadFile = serializers.CharField()
    socket = serializers.CharField()
    webview = serializers.CharField()


class VersionDomainsSerializer(serializers.Serializer):
    version = serializers.CharField(source="number")
    has_own_configuration = serializers.BooleanField(source="has_own")
    effective = DomainListsSerializer(source="lists")
    sources = DomainSourcesSerializer()


class DomainsSerializer(serializers.Serializer):
    """A mini program's server domains and WAP URLs, as its Domains page shows them."""

    kind = serializers.CharField(source="miniprogram.kind", help_text="tenant or merchant")
    restricted = serializers.BooleanField(
        source="is_restricted",
        help_text="Restricted to its lists. A merchant mini program always is; a tenant mini "
        "program calls any domain until its tenant's Owner or Admin restricts it.",
    )
    can_edit = serializers.BooleanField(
        source="can_edit_lists",
        help_text="The edit right: a tenant mini program always; a merchant one once its "
        "tenant grants it.",
    )
    edit_granted_by = serializers.SerializerMethodField()
    global_configuration = serializers.SerializerMethodField()
    versions = VersionDomainsSerializer(many=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_edit_granted_by(self, overview: DomainsOverview) -> str | None:
        return overview.grant.tenant.name if overview.grant is not None else None

    @extend_schema_field(DomainListsSerializer)
    def get_global_configuration(self, overview: DomainsOverview) -> dict[str, Any]:
        return overview.global_lists


class DomainsSaveSerializer(serializers.Serializer):
    """Replace every list of one configuration. A list left out is empty; in a version's
    configuration an empty list falls back to the global one; empty lists everywhere remove
    the configuration. All or nothing: a bad entry refuses everything, with its position
    ("Line 2: …", counting from 1)."""

    version = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="A version number of the mini program; empty or absent for the global "
        "configuration.",
    )
    request = _list("https://host[:port]; at most 200; ['.*'] allows everything")
    uploadFile = _list("https://host[:port]")
    downloadFile = _list("https://host[:port]")
    socket = _list("wss://host[:port]")
    webview = _list("WAP URLs: https://host[:port][/path prefix], no query")

    def lists(self) -> dict[str, list[str]]:
        return {kind: list(self.validated_data.get(kind) or []) for kind in TYPES}


class RestrictionSerializer(serializers.Serializer):
    restricted = serializers.BooleanField(
        help_text="true: the tenant mini program may call only its lists; false: any domain."
    )


class SkipStateSerializer(serializers.Serializer):
    host_app_id = serializers.IntegerField()
    host_app = serializers.CharField(source="host_app_name")
    status = serializers.SerializerMethodField()
    request_id = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(choices=["approved", "processing", "rejected", "none"])
    )
    def get_status(self, state: SkipState) -> str:
        if state.skip is not None:
            return "approved"
        if state.open_request is not None:
            return "processing"
        return "rejected" if state.last_rejected is not None else "none"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_request_id(self, state: SkipState) -> int | None:
        request = state.open_request or state.last_rejected
        return request.pk if request is not None and state.skip is None else None


class SkipApplySerializer(serializers.Serializer):
    host_app_id = IdField(help_text="A host app the mini program is released to.")
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why, for the reviewers.")


class ApprovalRequestRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    summary = serializers.CharField()
    deciding_workspace = serializers.CharField(source="deciding_workspace.slug")


# --- the tenant's side ------------------------------------------------------------------------


GRANT_SCOPES = ["developer_workspace", "miniprogram"]


class DomainEditGrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.SerializerMethodField()
    developer_workspace = serializers.SerializerMethodField()
    app_id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=GRANT_SCOPES))
    def get_scope(self, grant: Any) -> str:
        """The whole developer workspace, or one of its mini programs."""
        return "developer_workspace" if grant.developer_workspace_id else "miniprogram"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_developer_workspace(self, grant: Any) -> str | None:
        if grant.developer_workspace_id:
            return grant.developer_workspace.slug
        return grant.miniprogram.workspace.slug

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_app_id(self, grant: Any) -> str | None:
        return grant.miniprogram.app_id if grant.miniprogram_id else None

    def get_name(self, grant: Any) -> str:
        return (grant.developer_workspace or grant.miniprogram).name


class DomainEditGrantCreateSerializer(serializers.Serializer):
    developer_workspace = serializers.SlugField(
        required=False, allow_blank=True, help_text="A developer workspace of this tenant (slug)."
    )
    app_id = serializers.CharField(
        required=False, allow_blank=True, help_text="Or one merchant mini program (App ID)."
    )


class DomainSkipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    app_id = serializers.CharField(source="miniprogram.app_id")
    miniprogram = serializers.CharField(source="miniprogram.name")
    developer_workspace = serializers.CharField(source="miniprogram.workspace.slug")
    host_app_id = serializers.IntegerField()
    host_app = serializers.CharField(source="host_app.name")
    approval_request_id = serializers.IntegerField(source="approval_id", allow_null=True)
    created_at = serializers.DateTimeField()
