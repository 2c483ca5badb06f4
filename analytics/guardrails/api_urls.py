"""``/api/v1/`` route of the guardrails (no namespace: ``analytics.api_urls`` has none)."""

from django.urls import path

from analytics.guardrails import api

TASK = (
    "workspaces/<slug:workspace_slug>/miniprograms/<appid:app_id>/targets/<int:target_id>/"
    "grayscale/<int:task_id>/guardrail"
)

urlpatterns = [path(TASK, api.GuardrailView.as_view(), name="analytics-guardrail")]
