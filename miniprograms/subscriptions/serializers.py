"""API shapes of the public template library and My Templates."""

from __future__ import annotations

from rest_framework import serializers

from console.api import IdField, QuerySerializer
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from miniprograms.subscriptions.services import (
    CATEGORY_MAX,
    CHOSEN_MAX,
    KEYWORD_MAX,
    LIBRARY_KEYWORDS_MAX,
    TITLE_MAX,
)


class PublicTemplateSerializer(serializers.ModelSerializer):
    library = serializers.CharField(
        source="workspace.slug", read_only=True, help_text="The tenant workspace's slug."
    )
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = PublicTemplate
        fields = ["id", "title", "category", "kind", "keywords", "is_retired", "library"]
        read_only_fields = fields


class PublicTemplateQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=TITLE_MAX, help_text="Part of the title."
    )
    kind = serializers.ChoiceField(choices=PublicTemplate.Kind.values, required=False)
    category = serializers.CharField(required=False, allow_blank=True, max_length=CATEGORY_MAX)


class LibraryQuerySerializer(PublicTemplateQuerySerializer):
    include_retired = serializers.BooleanField(
        required=False, default=False, help_text="Also list retired templates."
    )


class PublicTemplateCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    category = serializers.CharField(max_length=CATEGORY_MAX)
    kind = serializers.ChoiceField(choices=PublicTemplate.Kind.values)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=KEYWORD_MAX),
        max_length=LIBRARY_KEYWORDS_MAX,
        help_text="5 to 15 distinct keywords, in the order the library shows them.",
    )


class PublicTemplateUpdateSerializer(serializers.Serializer):
    is_retired = serializers.BooleanField(
        help_text="true: retire it (no longer offered; My Templates made from it keep working); "
        "false: offer it again."
    )


class MyTemplateSerializer(serializers.ModelSerializer):
    public_template = PublicTemplateSerializer(read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = MyTemplate
        fields = ["template_id", "public_template", "keywords", "created_at", "updated_at"]
        read_only_fields = fields


class MyTemplateCreateSerializer(serializers.Serializer):
    public_template_id = IdField(help_text="A template of /public-templates of this mini program.")
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=KEYWORD_MAX),
        max_length=CHOSEN_MAX * 3,
        help_text="1 to 5 of its keywords, in the order the message shows them; none twice.",
    )


class MyTemplateUpdateSerializer(serializers.Serializer):
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=KEYWORD_MAX),
        max_length=CHOSEN_MAX * 3,
        help_text="1 to 5 keywords of its public template, in order; none twice.",
    )
