"""The profile texts in extra languages: input (a JSON list, also inside multipart) and output."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from miniprograms import languages
from miniprograms.profile import LanguageText


class LanguageTextSerializer(serializers.Serializer):
    """The profile texts in one extra language (the same rules as the main texts)."""

    language = serializers.CharField(
        max_length=16, help_text="A supported language tag: " + ", ".join(languages.CODES) + "."
    )
    name = serializers.CharField(required=False, allow_blank=True, default="")
    tagline = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class LanguageOutSerializer(serializers.Serializer):
    language = serializers.CharField()
    label = serializers.CharField(help_text="The language's English name.")
    name = serializers.CharField()
    tagline = serializers.CharField()
    description = serializers.CharField()


def language_out(code: str, texts: dict[str, str]) -> dict[str, str]:
    return {
        "language": code,
        "label": languages.label(code),
        "name": texts["name"],
        "tagline": texts["tagline"],
        "description": texts["description"],
    }


@extend_schema_field(LanguageTextSerializer(many=True))
class LanguagesField(serializers.Field):
    """Extra languages: a JSON list; in multipart/form-data, that list as one JSON string."""

    default_error_messages = {
        # Braces doubled: DRF formats these messages.
        "invalid": 'Send a list of {{"language", "name", "tagline", "description"}} objects (in '
        "multipart/form-data: that list as a JSON string).",
    }

    def to_internal_value(self, data: Any) -> tuple[LanguageText, ...]:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else []
            except (ValueError, RecursionError):  # RecursionError: nested too deeply
                self.fail("invalid")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            self.fail("invalid")
        texts = LanguageTextSerializer(data=data, many=True)
        if not texts.is_valid():
            raise serializers.ValidationError(texts.errors)
        return tuple(LanguageText(**item) for item in texts.validated_data)

    def to_representation(self, value: Any) -> Any:
        return [vars(text) for text in value]
