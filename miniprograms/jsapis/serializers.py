"""API shapes of the JSAPI catalogue, features, their history and applications."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import IdField, QuerySerializer
from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.jsapis.services import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    FEATURE_NAME_MAX,
    REASON_MAX,
)
from workspaces.models import AuditEvent


class JsapiSerializer(serializers.ModelSerializer):
    platforms = serializers.SerializerMethodField()

    class Meta:
        model = Jsapi
        fields = [
            "id",
            "name",
            "category",
            "description",
            "platforms",
            "is_sensitive",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(["android", "ios"])))
    def get_platforms(self, jsapi: Jsapi) -> list[str]:
        return [p for p, on in (("android", jsapi.on_android), ("ios", jsapi.on_ios)) if on]


class JsapiQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Part of the name or description.",
    )
    category = serializers.CharField(required=False, allow_blank=True, max_length=CATEGORY_MAX)
    sensitive = serializers.BooleanField(required=False, allow_null=True, default=None)
    platform = serializers.ChoiceField(choices=["android", "ios"], required=False)


class JsapiUpdateSerializer(serializers.Serializer):
    """Any of the fields; the name is fixed (mini programs call the JSAPI by it)."""

    category = serializers.CharField(required=False, max_length=CATEGORY_MAX)
    description = serializers.CharField(required=False, max_length=DESCRIPTION_MAX)
    on_android = serializers.BooleanField(required=False)
    on_ios = serializers.BooleanField(required=False)
    is_sensitive = serializers.BooleanField(required=False)


class JsapiFeatureSerializer(serializers.ModelSerializer):
    jsapis = serializers.SerializerMethodField()

    class Meta:
        model = JsapiFeature
        fields = ["id", "name", "description", "access", "jsapis", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_jsapis(self, feature: JsapiFeature) -> list[str]:
        return sorted(j.name for j in feature.jsapis.all())


class JsapiFeatureWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=FEATURE_NAME_MAX)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX
    )
    access = serializers.ChoiceField(choices=JsapiFeature.Access.choices)
    jsapis = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=50,
        help_text="Names of JSAPIs of the catalogue (getLocation, tradePay…).",
    )


class FeatureQuerySerializer(QuerySerializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=FEATURE_NAME_MAX)


class HistoryEntrySerializer(serializers.ModelSerializer):
    """One change of a feature: who, when, and the changed fields before and after."""

    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEvent
        fields = ["id", "verb", "actor", "created_at", "before", "after"]
        read_only_fields = fields


class JsapiApplicationSerializer(serializers.ModelSerializer):
    app_id = serializers.CharField(source="miniprogram.app_id")
    miniprogram = serializers.CharField(source="miniprogram.name")
    host_app = serializers.CharField(source="host_app.name")
    subject = serializers.SerializerMethodField()
    name = serializers.CharField(source="subject_name")
    requested_by = serializers.SerializerMethodField()
    approval_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = JsapiApplication
        fields = [
            "id",
            "app_id",
            "miniprogram",
            "host_app_id",
            "host_app",
            "subject",
            "name",
            "state",
            "reason",
            "requested_by",
            "approval_id",
            "revoke_reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(["jsapi", "feature"]))
    def get_subject(self, application: JsapiApplication) -> str:
        return "jsapi" if application.jsapi_id else "feature"

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_requested_by(self, application: JsapiApplication) -> str | None:
        return application.requested_by.email if application.requested_by else None


class JsapiApplySerializer(serializers.Serializer):
    host_app_id = IdField(help_text="A host app the mini program is released to.")
    jsapi = serializers.CharField(
        required=False, max_length=64, help_text="A sensitive JSAPI's name (or feature_id)."
    )
    feature_id = IdField(required=False, help_text="An activation-needed feature (or jsapi).")
    reason = serializers.CharField(max_length=REASON_MAX, help_text="10–500 characters.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("jsapi" in attrs) == ("feature_id" in attrs):
            raise serializers.ValidationError({"jsapi": "Give either jsapi or feature_id."})
        return attrs


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="The developers read it.")


class AccessQuerySerializer(QuerySerializer):
    state = serializers.ChoiceField(choices=JsapiApplication.State.choices, required=False)


class PermissionRowSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(["jsapi", "feature"], source="kind")
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    status = serializers.ChoiceField(
        ["allowed", "none", *JsapiApplication.State.values],
        help_text="allowed: through a direct feature; none: never applied for; else the newest "
        "application's state.",
    )
    via = serializers.CharField(help_text="The direct feature that allows it.")
    application_id = serializers.SerializerMethodField()
    jsapis = serializers.ListField(child=serializers.CharField(), source="jsapi_names")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_application_id(self, row: Any) -> int | None:
        return row.application.pk if row.application else None


class HostAppPermissionsSerializer(serializers.Serializer):
    host_app_id = serializers.IntegerField(source="host_app.pk")
    host_app = serializers.CharField(source="host_app.name")
    active = serializers.BooleanField(source="is_active")
    allowed = serializers.ListField(
        child=serializers.CharField(), help_text="What the runtime API lets the SDK call."
    )
    sensitive = PermissionRowSerializer(many=True)
    features = PermissionRowSerializer(many=True, help_text="Features that need activation.")
