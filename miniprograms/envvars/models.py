"""Models: environment variables (issue 12), at most ``MAX_PER_ENVIRONMENT`` per release
environment of a mini program, handed to the SDK by the runtime answer's ``env`` slot."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["EnvironmentVariable"]

# The limits, stated once (validators, forms, serializers and constraints read them).
MAX_PER_ENVIRONMENT = 5  # as Alipay+
KEY_MAX = 64
VALUE_MAX = 1024
KEY_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"


class EnvironmentVariable(models.Model):
    """One ``KEY=value`` of a mini program in one release environment.

    Written only by ``miniprograms.envvars.services.envvars_replace`` (which keeps the count per
    environment at most ``MAX_PER_ENVIRONMENT`` under a lock on the mini program).
    """

    class Environment(models.TextChoices):
        # The same values as releases' ReleaseTarget environments (not imported: it sits above).
        DEVELOPMENT = "development", _("Development")
        TEST = "test", _("Test")
        SANDBOX = "sandbox", _("Sandbox")
        PRODUCTION = "production", _("Production")

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="env_variables"
    )
    environment = models.CharField(max_length=16, choices=Environment.choices)
    key = models.CharField(max_length=KEY_MAX)
    value = models.CharField(max_length=VALUE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["miniprogram", "environment", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "environment", "key"], name="envvar_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(environment__in=["development", "test", "sandbox", "production"]),
                name="envvar_environment_valid",
            ),
            models.CheckConstraint(condition=Q(key__regex=KEY_PATTERN), name="envvar_key_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.miniprogram_id}:{self.environment}:{self.key}"
