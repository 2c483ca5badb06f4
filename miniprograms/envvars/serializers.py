"""API shapes of environment variables: ``{"KEY": "value"}`` per environment."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from miniprograms.envvars.models import KEY_MAX, KEY_PATTERN, MAX_PER_ENVIRONMENT, VALUE_MAX

VARIABLES_HELP = (
    f"Keys match {KEY_PATTERN} (at most {KEY_MAX} characters); values are one line of at most "
    f"{VALUE_MAX} characters, without control characters. At most {MAX_PER_ENVIRONMENT} per "
    "environment."
)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "maxLength": VALUE_MAX},
        "maxProperties": MAX_PER_ENVIRONMENT,
        "description": VARIABLES_HELP,
        "example": {"API_BASE_URL": "https://api.example.com", "FEATURE_X": "on"},
    }
)
class VariablesField(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(
                max_length=VALUE_MAX, allow_blank=True, trim_whitespace=True
            ),
            **kwargs,
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > MAX_PER_ENVIRONMENT:
            raise serializers.ValidationError(
                f"At most {MAX_PER_ENVIRONMENT} variables per environment ({len(value)} given)."
            )
        return value


class EnvironmentVariablesSerializer(serializers.Serializer):
    """The variables of every release environment."""

    development = VariablesField(read_only=True)
    test = VariablesField(read_only=True)
    sandbox = VariablesField(read_only=True)
    production = VariablesField(read_only=True)


class EnvironmentSerializer(serializers.Serializer):
    environment = serializers.CharField(read_only=True)
    variables = VariablesField(read_only=True)


class EnvironmentUpdateSerializer(serializers.Serializer):
    variables = VariablesField(
        help_text="The whole set for the environment: keys not given are removed. " + VARIABLES_HELP
    )
