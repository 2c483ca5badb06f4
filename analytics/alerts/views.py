"""The Alerts section of a mini program's Analytics tab, and the workspace's alert list.

Everyone who sees the mini program reads its alerts, rules and history (a host tenant: the
alerts and host-app rules of its own host apps); editing a rule, muting and acknowledging need
``DEVELOP_MINIPROGRAM`` (Owner, Admins, an assigned Developer), checked again by the services.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from analytics.alerts import selectors, services
from analytics.alerts.evaluate import ENVIRONMENT, EVERY, WINDOW
from analytics.alerts.models import Alert, Metric
from analytics.alerts.rules import SPECS
from console.forms import apply_service_errors
from console.paging import paginate
from miniprograms.mixins import MiniProgramMixin
from workspaces.authz import Cap
from workspaces.mixins import WorkspaceMixin

MUTE_CHOICES = [
    ("1", _("1 hour")),
    ("4", _("4 hours")),
    ("24", _("1 day")),
    ("168", _("7 days")),
]


class _AlertsMixin(MiniProgramMixin):
    tab = "analytics"
    section = "alerts"

    @property
    def host_app_ids(self) -> list[int] | None:
        return selectors.host_scope(workspace=self.workspace, is_hosted=self.is_hosted)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["section"] = self.section
        return context

    def back(self) -> HttpResponse:
        return redirect("analytics:alerts", self.workspace.slug, self.miniprogram.app_id)


class AlertsView(_AlertsMixin, TemplateView):
    """Current alerts, the rules and the history (paginated)."""

    template_name = "analytics/alerts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = self.host_app_ids
        host_apps = selectors.alert_host_apps(miniprogram=self.miniprogram, host_app_ids=scope)
        base, per_host = selectors.alert_rule_rows(
            miniprogram=self.miniprogram, host_apps=host_apps
        )
        history = paginate(
            selectors.alert_history(miniprogram=self.miniprogram, host_app_ids=scope), self.request
        )
        context.update(
            alerts=list(selectors.alert_list(miniprogram=self.miniprogram, host_app_ids=scope)),
            rules=base,
            host_rules=[(h, per_host[h.pk]) for h in host_apps if h.pk in per_host],
            page_obj=history,
            history=list(history.object_list),
            mute_choices=MUTE_CHOICES,
            window_minutes=int(WINDOW.total_seconds() // 60),
            every_minutes=int(EVERY.total_seconds() // 60),
            cooldown_minutes=int(services.COOLDOWN.total_seconds() // 60),
            environment=ENVIRONMENT,
            specs=SPECS,
            now=timezone.now(),
        )
        return context


class RuleForm(forms.Form):
    host_app = forms.TypedChoiceField(
        label=_("Applies to"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "The mini program on every host app, or one host app only (its rule replaces the "
            "mini program's there)."
        ),
    )
    is_enabled = forms.BooleanField(label=_("Evaluate this rule"), required=False)
    threshold = forms.DecimalField(
        label=_("Threshold"), max_digits=9, decimal_places=2, min_value=0
    )
    min_samples = forms.IntegerField(
        label=_("Minimum samples"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("The rule fires only when the window holds more samples than this."),
    )

    def __init__(self, *args: Any, spec: Any, host_apps: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_app"].choices = [("", gettext("Every host app"))] + [
            (str(h.pk), h.name) for h in host_apps
        ]
        self.fields["threshold"].max_value = spec.max_threshold
        self.fields["threshold"].help_text = gettext(
            "It fires when the %(what)s is %(op)s this value (%(unit)s); the default is "
            "%(default)s."
        ) % {
            "what": spec.label.lower(),
            "op": spec.operator,
            "unit": spec.unit,
            "default": f"{spec.threshold:,} {spec.unit}",
        }


class AlertRuleEditView(_AlertsMixin, TemplateView):
    """One metric's rule: for the mini program or one of its host apps (``?host_app=``)."""

    template_name = "analytics/alerts_rule_form.html"
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def _form(self, data: Any = None) -> RuleForm:
        metric = self.kwargs["metric"]
        if metric not in SPECS:
            raise Http404("No such metric.")
        spec = SPECS[metric]
        host_apps = selectors.alert_host_apps(miniprogram=self.miniprogram, host_app_ids=None)
        raw_host = self.request.GET.get("host_app", "")
        host_id = int(raw_host) if raw_host.isdigit() and len(raw_host) < 19 else None
        if host_id not in {h.pk for h in host_apps}:
            host_id = None
        row = selectors.alert_rule_get(
            miniprogram=self.miniprogram, metric=metric, host_app_id=host_id
        ) or (
            selectors.alert_rule_get(miniprogram=self.miniprogram, metric=metric, host_app_id=None)
            if host_id is not None
            else None
        )
        initial = {
            "host_app": str(host_id) if host_id else "",
            "is_enabled": row.is_enabled if row else True,
            "threshold": row.threshold if row else spec.threshold,
            "min_samples": row.min_samples if row else spec.min_samples,
        }
        self.has_own = (
            selectors.alert_rule_get(
                miniprogram=self.miniprogram, metric=metric, host_app_id=host_id
            )
            is not None
        )
        self.host_id = host_id
        return RuleForm(data, initial=initial, spec=spec, host_apps=host_apps)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or self._form()
        context.update(
            form=form,
            spec=SPECS[self.kwargs["metric"]],
            metric=self.kwargs["metric"],
            has_own=self.has_own,
            host_id=self.host_id,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.alert_rule_save(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    metric=kwargs["metric"],
                    host_app_id=data["host_app"],
                    is_enabled=data["is_enabled"],
                    threshold=data["threshold"],
                    min_samples=data["min_samples"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("The %(rule)s rule is saved; the next evaluation uses it.")
                    % {"rule": SPECS[kwargs["metric"]].label.lower()},
                )
                return self.back()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AlertRuleResetView(_AlertsMixin, View):
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        metric = kwargs["metric"]
        if metric not in SPECS:
            raise Http404("No such metric.")
        raw = request.POST.get("host_app", "")
        host_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
        services.alert_rule_reset(
            actor=self.membership, miniprogram=self.miniprogram, metric=metric, host_app_id=host_id
        )
        messages.success(request, gettext("The rule is back to its defaults."))
        return self.back()


class _AlertActionView(_AlertsMixin, View):
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    http_method_names = ["post"]

    def alert(self, alert_id: int) -> Alert:
        found = selectors.alert_get(
            miniprogram=self.miniprogram, alert_id=alert_id, host_app_ids=self.host_app_ids
        )
        if found is None:
            raise Http404("No such alert.")
        return found


class AlertMuteView(_AlertActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        alert = self.alert(kwargs["alert_id"])
        hours = request.POST.get("hours", "")
        if hours not in dict(MUTE_CHOICES):
            messages.error(request, gettext("Choose how long to mute it."))
            return self.back()
        until = timezone.now() + timedelta(hours=int(hours))
        try:
            services.alert_mute(actor=self.membership, alert=alert, until=until)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext("Muted: no email or webhook about this alert until %(until)s.")
                % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")},
            )
        return self.back()


class AlertUnmuteView(_AlertActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.alert_unmute(actor=self.membership, alert=self.alert(kwargs["alert_id"]))
        messages.success(request, gettext("Unmuted: its next firing is notified again."))
        return self.back()


class AlertAcknowledgeView(_AlertActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.alert_acknowledge(actor=self.membership, alert=self.alert(kwargs["alert_id"]))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("Acknowledged: the team sees that you are on it."))
        return self.back()


# --- the workspace's alert list ---------------------------------------------------------------


class WorkspaceAlertFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *list(Alert.State.choices)],
    )
    metric = forms.ChoiceField(
        label=_("Rule"), required=False, choices=[("", _("Every rule")), *list(Metric.choices)]
    )


class WorkspaceAlertsView(WorkspaceMixin, TemplateView):
    """Every alert of the mini programs the member sees (a tenant: also the merchant mini
    programs on its host apps, their alerts on those host apps only); firing first."""

    template_name = "analytics/alerts_workspace.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = WorkspaceAlertFilterForm(self.request.GET or None)
        chosen = form.cleaned_data if form.is_valid() else {}
        rows = selectors.workspace_alert_list(
            member=self.membership,
            state=chosen.get("state", ""),
            metric=chosen.get("metric", ""),
        )
        page = paginate(rows, self.request)
        context.update(
            form=form,
            page_obj=page,
            alerts=list(page.object_list),
            is_filtered=any(chosen.values()),
            now=timezone.now(),
        )
        return context
