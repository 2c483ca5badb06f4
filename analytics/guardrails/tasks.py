"""Celery entry point of the guardrails (on the beat schedule in ``console/settings/base.py``)."""

from __future__ import annotations

from celery import shared_task

from analytics.guardrails.services import guardrails_check


@shared_task(name="analytics.guardrails_check", soft_time_limit=240, time_limit=280)
def guardrails_check_task() -> dict[str, int]:
    """Every 5 minutes: compare each delivering grayscale task's cohort with the online version
    over the last 30 minutes and suspend a task whose cohort does worse."""
    return guardrails_check()
