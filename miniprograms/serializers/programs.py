"""Mini programs: the list and detail answers, the create and edit input, shelf, offline and
delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from console.api import IdField, QuerySerializer
from miniprograms import languages, validators
from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.profile import pending_fields
from miniprograms.selectors import SHELF_FILTERS, ListTarget, list_industry, list_targets
from miniprograms.serializers.language_texts import (
    LanguageOutSerializer,
    LanguagesField,
    language_out,
)
from workspaces.serializers import PersonSerializer

# The fields of a staged profile edit (besides the logo).
PROFILE_KEYS = (
    "name",
    "tagline",
    "description",
    "industry",
    "service_phone",
    "service_email",
    "languages",
)
KINDS = MiniProgram.Kind.choices
SHELF_STATUSES = MiniProgram.Shelf.choices
TARGET_STATUSES = MiniProgramHostApp.Status.choices
# Keys of ``released_profile`` shown as they are stored (languages and the logo are reshaped).
RELEASED_TEXT_KEYS = (
    "default_language",
    "name",
    "tagline",
    "description",
    "industry",
    "industry_name",
    "service_phone",
    "service_email",
)


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


def _page_url(context: dict[str, Any], name: str, mp: MiniProgram, query: str = "") -> str:
    """A console URL of the mini program (the workspace comes from the view: no query)."""
    workspace = context.get("workspace") or mp.workspace
    url = reverse(
        f"miniprograms:{name}", kwargs={"workspace_slug": workspace.slug, "app_id": mp.app_id}
    )
    return _absolute(context.get("request"), url + query)


# --- mini programs: output ---------------------------------------------------------------------


class HostAppTargetSerializer(serializers.Serializer):
    """A host app the mini program is released to ("Release to"), and whether it is offline."""

    id = serializers.IntegerField(source="host_app.id", help_text="The host app's id.")
    name = serializers.CharField(source="host_app.name")
    status = serializers.ChoiceField(choices=TARGET_STATUSES)
    offline_reason = serializers.CharField()
    status_changed_at = serializers.DateTimeField()


class MiniProgramSerializer(serializers.ModelSerializer):
    """A mini program as lists show it (the draft name; see the detail for the released one)."""

    kind = serializers.ChoiceField(choices=KINDS)
    shelf_status = serializers.ChoiceField(choices=SHELF_STATUSES)
    # A plain string in the schema: "default_language" already names the workspace languages.
    default_language = serializers.CharField(
        help_text="The language of the main texts (a tag such as en or zh-Hans)."
    )
    industry = serializers.CharField(source="industry.code", help_text="An industry code.")
    industry_name = serializers.CharField(source="industry.path")
    host_apps = HostAppTargetSerializer(source="targets", many=True)
    logo_url = serializers.SerializerMethodField(help_text="The draft logo.")
    console_url = serializers.SerializerMethodField(help_text="The mini program's console page.")

    class Meta:
        model = MiniProgram
        fields = [
            "app_id",
            "name",
            "kind",
            "shelf_status",
            "shelf_reason",
            "default_language",
            "industry",
            "industry_name",
            "host_apps",
            "logo_url",
            "console_url",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_logo_url(self, mp: MiniProgram) -> str:
        return _page_url(self.context, "logo", mp)

    @extend_schema_field(serializers.URLField())
    def get_console_url(self, mp: MiniProgram) -> str:
        return _page_url(self.context, "detail", mp)


class MiniProgramListSerializer(MiniProgramSerializer):
    """:class:`MiniProgramSerializer`'s answer, built directly: a list page serializes 50 rows,
    and DRF's field-by-field path (plus two URL reversals a row) costs several times this. The
    fields and the schema are the parent's; ``test_console_scale`` compares both answers."""

    def to_representation(self, instance: MiniProgram) -> dict[str, Any]:
        fields = self.fields
        iso = self._iso(fields["created_at"])
        base = self._console_base(instance)
        industry_code, industry_path = list_industry(instance)
        return {
            "app_id": instance.app_id,
            "name": instance.name,
            "kind": instance.kind,
            "shelf_status": instance.shelf_status,
            "shelf_reason": instance.shelf_reason,
            "default_language": instance.default_language,
            "industry": industry_code,
            "industry_name": industry_path,
            "host_apps": [
                {
                    "id": target.host_app_id,
                    "name": target.host_app_name,
                    "status": target.status,
                    "offline_reason": target.offline_reason,
                    "status_changed_at": iso(target.status_changed_at),
                }
                for target in self._targets(instance)
            ],
            "logo_url": f"{base}{instance.app_id}/logo/",
            "console_url": f"{base}{instance.app_id}/",
            "created_at": iso(instance.created_at),
        }

    def _iso(self, field: serializers.DateTimeField) -> Callable[[Any], Any]:
        """``field.to_representation`` for the page's aware datetimes, its time zone looked up
        once per serializer rather than twice a row (ISO 8601, ``Z`` for UTC, as DRF writes
        it); anything else goes to the field."""
        iso: Callable[[Any], Any] | None = self.__dict__.get("_iso_of_page")
        if iso is not None:
            return iso
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        plain = zone is not None and str(output_format).lower() == ISO_8601

        def iso_of(value: Any) -> Any:
            if not plain or not isinstance(value, datetime) or value.tzinfo is None:
                return field.to_representation(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        self.__dict__["_iso_of_page"] = iso_of
        return iso_of

    def _targets(self, mp: MiniProgram) -> list[ListTarget]:
        """The host apps of the serialized mini programs, read at once (``list_targets``: one
        query for the page) unless the context brings them as ``targets``."""
        targets: dict[int, list[ListTarget]] | None = self.context.get("targets")
        if targets is None:
            rows = self.parent.instance if self.parent is not None else [self.instance]
            targets = self.context["targets"] = list_targets(rows)
        return targets.get(mp.pk, [])

    def _console_base(self, mp: MiniProgram) -> str:
        """The workspace's mini program list URL, reversed and made absolute once per
        serializer (and workspace): a mini program's pages are that plus its App ID
        (``_page_url``'s answers; ``build_absolute_uri`` of a path prefixes the scheme and
        host, so one call per page, not two per row)."""
        workspace = self.context.get("workspace") or mp.workspace
        bases: dict[str, str] = self.__dict__.setdefault("_bases", {})
        if workspace.slug not in bases:
            bases[workspace.slug] = _absolute(
                self.context.get("request"),
                reverse("miniprograms:list", kwargs={"workspace_slug": workspace.slug}),
            )
        return bases[workspace.slug]


class ReleasedProfileSerializer(serializers.Serializer):
    """What host apps show: the profile as of the last release."""

    default_language = serializers.CharField()
    name = serializers.CharField()
    tagline = serializers.CharField()
    description = serializers.CharField()
    industry = serializers.CharField()
    industry_name = serializers.CharField()
    service_phone = serializers.CharField()
    service_email = serializers.CharField()
    languages = LanguageOutSerializer(many=True)
    logo_url = serializers.URLField(allow_null=True)
    released_at = serializers.DateTimeField(allow_null=True)


class MiniProgramDetailSerializer(MiniProgramSerializer):
    """A mini program: its draft profile, what host apps show, and what is pending."""

    shelf_changed_at = serializers.DateTimeField(
        allow_null=True, help_text="When it last went on or off the shelf; null if never."
    )
    tagline = serializers.CharField()
    description = serializers.CharField()
    service_phone = serializers.CharField()
    service_email = serializers.CharField()
    languages = serializers.SerializerMethodField(help_text="Extra languages of the draft.")
    released_profile = serializers.SerializerMethodField(
        help_text="What host apps show, as of the last release; null before the first."
    )
    pending_fields = serializers.SerializerMethodField(
        help_text="Profile fields whose draft differs from the released profile: pending until "
        "the next release (all of them before the first)."
    )
    created_by = serializers.SerializerMethodField()

    class Meta(MiniProgramSerializer.Meta):
        fields = [
            "app_id",
            "kind",
            "shelf_status",
            "shelf_reason",
            "shelf_changed_at",
            "default_language",
            "name",
            "tagline",
            "description",
            "industry",
            "industry_name",
            "service_phone",
            "service_email",
            "languages",
            "logo_url",
            "released_profile",
            "pending_fields",
            "host_apps",
            "console_url",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    @extend_schema_field(LanguageOutSerializer(many=True))
    def get_languages(self, mp: MiniProgram) -> list[dict[str, str]]:
        return [
            language_out(
                row.language,
                {"name": row.name, "tagline": row.tagline, "description": row.description},
            )
            for row in mp.languages.all()
        ]

    @extend_schema_field(ReleasedProfileSerializer(allow_null=True))
    def get_released_profile(self, mp: MiniProgram) -> dict[str, Any] | None:
        released = mp.released_profile
        if not released:
            return None
        return {
            **{key: released.get(key, "") for key in RELEASED_TEXT_KEYS},
            "languages": [
                language_out(code, texts)
                for code, texts in sorted((released.get("languages") or {}).items())
            ],
            "logo_url": (
                _page_url(self.context, "logo", mp, "?released=1") if released.get("logo") else None
            ),
            "released_at": serializers.DateTimeField().to_representation(mp.released_at)
            if mp.released_at
            else None,
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_pending_fields(self, mp: MiniProgram) -> list[str]:
        return pending_fields(mp)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_created_by(self, mp: MiniProgram) -> dict[str, str] | None:
        return PersonSerializer(mp.created_by).data if mp.created_by else None


# --- mini programs: input ----------------------------------------------------------------------


class MiniProgramListQuerySerializer(QuerySerializer):
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
        required=False, help_text="Only those released (and not offline) to this host app id."
    )
    assigned_to = IdField(
        required=False, help_text="Only those this user (id) is assigned to as a Developer."
    )


def _text(key: str, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, help_text=validators.HELP.get(key, ""), **kwargs
    )


class MiniProgramUpdateSerializer(serializers.Serializer):
    """A staged profile edit: send only what changes; the rest keeps its draft value."""

    name = _text("name")
    tagline = _text("tagline")
    description = _text("description")
    industry = _text("industry", max_length=64)
    service_phone = _text("service_phone")
    service_email = _text("service_email")
    languages = LanguagesField(
        required=False,
        help_text="Extra languages, each with its own name, tagline and description (the same "
        "rules). Replaces the whole set; [] removes them all. In multipart/form-data: a JSON "
        "string.",
    )
    logo = serializers.FileField(required=False, help_text=validators.HELP["logo"])
    host_apps = serializers.ListField(
        child=IdField(),
        required=False,
        allow_empty=True,
        help_text='Ids of the host apps to release to ("Release to"); repeat the field in '
        "multipart/form-data. A host app left out is taken offline there (Owner or Admin).",
    )


class MiniProgramCreateSerializer(MiniProgramUpdateSerializer):
    """Every profile field is required (a missing one is reported with the console's message)."""

    name = _text("name", default="")
    tagline = _text("tagline", default="")
    description = _text("description", default="")
    industry = _text("industry", default="", max_length=64)
    service_phone = _text("service_phone", default="")
    service_email = _text("service_email", default="")
    default_language = serializers.CharField(
        max_length=16,
        required=False,
        help_text="The language of the main texts; the workspace's language when left out. "
        "Set at creation.",
    )

    def validate_default_language(self, value: str) -> str:
        code = languages.canonical(value)
        if code is None:
            raise serializers.ValidationError(f"“{value}” is not a supported language.")
        return code


class ShelfSerializer(serializers.Serializer):
    on_shelf = serializers.BooleanField(help_text="true puts it on shelf, false takes it off.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to take it off shelf (members see it); at most 200 characters.",
    )


class OfflineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="At most 200 characters."
    )


class DeleteSerializer(serializers.Serializer):
    confirm_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The mini program's name, typed exactly (in the body or the query string).",
    )
