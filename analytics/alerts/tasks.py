"""The alerts' beat entry (``console/settings/base.py``): ``analytics.alerts_evaluate``."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="analytics.alerts_evaluate", soft_time_limit=240, time_limit=280)
def alerts_evaluate_task() -> dict[str, int]:
    """Every 5 minutes: evaluate the alert rules over the last 30 minutes of production events
    (``analytics.alerts.evaluate``). Safe to run twice: a second run finds nothing to change.
    The time limits stay under the 5-minute period, so runs never pile up."""
    from analytics.alerts.evaluate import alerts_evaluate

    result = alerts_evaluate()
    return {
        "groups": result.groups,
        "fired": len(result.fired),
        "resolved": len(result.resolved),
        "updated": result.updated,
    }
