from django.urls import path

from analytics.guardrails import views

urlpatterns = [
    path(
        "guardrails/<int:target_id>/<int:task_id>/",
        views.GuardrailUpdateView.as_view(),
        name="guardrail",
    ),
]
