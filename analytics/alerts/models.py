"""Alert rules, alerts and guardrail settings (issue 15). Imported by ``analytics.models``."""

from __future__ import annotations
