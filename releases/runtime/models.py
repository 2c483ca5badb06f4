"""The runtime revision: one row whose counter moves in the same transaction as every change
that affects what the runtime API answers (``releases.runtime.revision``)."""

from __future__ import annotations

from django.db import models

__all__ = ["RuntimeRevision"]


class RuntimeRevision(models.Model):
    """A singleton (``id = 1``): ``n`` goes up by one on every change the runtime must see."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    n = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "releases"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="runtimerevision_singleton")
        ]

    def __str__(self) -> str:
        return f"runtime revision {self.n}"
