"""Models: subscriptions (imported by ``miniprograms.models``; refer to other models by string).

:class:`PublicTemplate` is one template of a tenant's public library (title, category, one-time
or long-term, its keyword list); :class:`MyTemplate` is a mini program's choice of 1–5 of those
keywords, in order, with its own public ``template_id``. ``keyword_set`` (the chosen keywords,
sorted, joined) lets the database refuse the same public template twice with the same set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

__all__ = ["MyTemplate", "PublicTemplate"]


class PublicTemplate(models.Model):
    """One template of a tenant's public library. Retired templates stay (My Templates made
    from them keep working) but can no longer be chosen."""

    class Kind(models.TextChoices):
        ONE_TIME = "one_time", _("One-time")
        LONG_TERM = "long_term", _("Long-term")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="public_templates"
    )
    title = models.CharField(max_length=40)
    category = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    keywords = models.JSONField(default=list)  # list[str], 5–15 distinct names
    is_retired = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "title", "id"]
        verbose_name = "public message template"
        constraints = [
            models.UniqueConstraint(Lower("title"), "workspace", name="public_template_title"),
            models.CheckConstraint(
                condition=Q(kind__in=["one_time", "long_term"]), name="public_template_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_long_term(self) -> bool:
        return self.kind == self.Kind.LONG_TERM


class MyTemplate(models.Model):
    """A mini program's message template: chosen keywords of a public template, in order."""

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="my_templates"
    )
    public_template = models.ForeignKey(
        PublicTemplate, on_delete=models.CASCADE, related_name="my_templates"
    )
    template_id = models.CharField(max_length=43, unique=True)  # random, public
    keywords = models.JSONField(default=list)  # list[str], 1–5, ordered, distinct
    keyword_set = models.CharField(max_length=1000)  # sorted keywords joined by "\x1f"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "my message template"
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "public_template", "keyword_set"],
                name="my_template_keyword_set_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.template_id
