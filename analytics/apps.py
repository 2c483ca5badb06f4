from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics.alerts import setup

        # Alerts: the audit log's sentences and the alert.* webhook events.
        setup.register()

        # Guardrails: hold a staged schedule while a metric is worse; a card on the task page.
        from analytics.guardrails import services as guardrails
        from analytics.guardrails import views as guardrail_views
        from releases.grayscale import extensions as grayscale

        grayscale.register_advance_check("guardrails", guardrails.advance_hold)
        grayscale.register_task_panel("guardrails", guardrail_views.task_panel)
