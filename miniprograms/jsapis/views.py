"""JSAPI pages.

A tenant's catalogue (namespace ``development``, ``/w/<slug>/development/…``): JSAPIs (list,
detail, edit), features (list, add, detail with history, edit) and the access it granted
(list, revoke). Developer workspaces have no catalogue: 404 there.

A mini program's Development tab section (``miniprograms:dev-jsapis…``): per host app it is
released to, what it may call, and its applications (apply, withdraw). The host tenant of a
merchant's mini program reads it; applying and withdrawing are the merchant's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from console.paging import paginate
from miniprograms.jsapis import selectors
from miniprograms.jsapis.forms import (
    AccessFilterForm,
    JsapiApplyForm,
    JsapiFeatureForm,
    JsapiFilterForm,
    JsapiForm,
    RevokeForm,
)
from miniprograms.jsapis.models import Jsapi, JsapiFeature
from miniprograms.jsapis.services import (
    jsapi_application_revoke,
    jsapi_application_withdraw,
    jsapi_apply,
    jsapi_catalogue_ensure,
    jsapi_catalogues_ensure,
    jsapi_feature_create,
    jsapi_feature_update,
    jsapi_update,
)
from miniprograms.mixins import MiniProgramMixin
from workspaces.authz import Cap
from workspaces.mixins import TenantPageMixin

HISTORY_SHOWN = 50


class _TenantCatalogue:
    """After the workspace is resolved (MRO): only tenants have a catalogue (404 elsewhere);
    the tenant's is written on first use (idempotent)."""

    section = "jsapis"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        workspace = self.workspace  # type: ignore[attr-defined]
        if not workspace.is_tenant:
            raise Http404("Only tenant workspaces keep a JSAPI catalogue.")
        jsapi_catalogue_ensure(workspace=workspace)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["catalogue_section"] = self.section
        return context


class CataloguePageMixin(TenantPageMixin, _TenantCatalogue):
    pass


def _jsapi_or_404(view: CataloguePageMixin, jsapi_id: int) -> Jsapi:
    jsapi = selectors.jsapi_get(workspace=view.workspace, jsapi_id=jsapi_id)
    if jsapi is None:
        raise Http404("No such JSAPI.")
    return jsapi


def _feature_or_404(view: CataloguePageMixin, feature_id: int) -> JsapiFeature:
    feature = selectors.jsapi_feature_get(workspace=view.workspace, feature_id=feature_id)
    if feature is None:
        raise Http404("No such feature.")
    return feature


# --- the catalogue -------------------------------------------------------------------------------


class JsapiListView(CataloguePageMixin, TemplateView):
    template_name = "miniprograms/jsapis/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = JsapiFilterForm(
            self.request.GET, categories=selectors.jsapi_categories(workspace=self.workspace)
        )
        chosen = filters.filters()
        page = paginate(selectors.jsapi_list(workspace=self.workspace, **chosen), self.request)
        context.update(
            filters=filters,
            is_filtered=any(v not in ("", None) for v in chosen.values()),
            page_obj=page,
            jsapis=list(page.object_list),
        )
        return context


class JsapiDetailView(CataloguePageMixin, TemplateView):
    template_name = "miniprograms/jsapis/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        jsapi = _jsapi_or_404(self, kwargs["jsapi_id"])
        context.update(
            jsapi=jsapi,
            features=list(jsapi.features.all()),
            granted=selectors.jsapi_granted_count(jsapi=jsapi) if jsapi.is_sensitive else 0,
        )
        return context


class JsapiEditView(CataloguePageMixin, TemplateView):
    required_cap = Cap.MANAGE_JSAPI_CATALOGUE
    template_name = "miniprograms/jsapis/edit.html"

    def get(self, request: HttpRequest, *args: Any, jsapi_id: int, **kwargs: Any) -> HttpResponse:
        jsapi = _jsapi_or_404(self, jsapi_id)
        return self.render_to_response(
            self.get_context_data(jsapi=jsapi, form=JsapiForm.for_jsapi(jsapi))
        )

    def post(self, request: HttpRequest, *args: Any, jsapi_id: int, **kwargs: Any) -> HttpResponse:
        jsapi = _jsapi_or_404(self, jsapi_id)
        form = JsapiForm(request.POST)
        if form.is_valid():
            try:
                jsapi_update(actor=self.membership, jsapi=jsapi, changes=form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("%(name)s saved.") % {"name": jsapi.name})
                return redirect("development:jsapi", self.workspace.slug, jsapi.pk)
        return self.render_to_response(self.get_context_data(jsapi=jsapi, form=form))


# --- features ----------------------------------------------------------------------------------


class FeatureListView(CataloguePageMixin, TemplateView):
    template_name = "miniprograms/jsapis/features.html"
    section = "features"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = (self.request.GET.get("q") or "").strip()[:40]
        page = paginate(
            selectors.jsapi_feature_list(workspace=self.workspace, search=query), self.request
        )
        context.update(query=query, page_obj=page, features=list(page.object_list))
        return context


class FeatureCreateView(CataloguePageMixin, TemplateView):
    required_cap = Cap.MANAGE_JSAPI_CATALOGUE
    template_name = "miniprograms/jsapis/feature_form.html"
    section = "features"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        jsapis = selectors.jsapi_choices(workspace=self.workspace)
        form = JsapiFeatureForm(initial={"access": "activation"}, jsapis=jsapis)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = JsapiFeatureForm(
            request.POST, jsapis=selectors.jsapi_choices(workspace=self.workspace)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                feature = jsapi_feature_create(
                    actor=self.membership,
                    name=data["name"],
                    description=data["description"],
                    access=data["access"],
                    jsapi_ids=data["jsapis"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, gettext("Feature “%(name)s” added.") % {"name": feature.name}
                )
                return redirect("development:jsapi-feature", self.workspace.slug, feature.pk)
        return self.render_to_response(self.get_context_data(form=form))


class FeatureDetailView(CataloguePageMixin, TemplateView):
    template_name = "miniprograms/jsapis/feature_detail.html"
    section = "features"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        feature = _feature_or_404(self, kwargs["feature_id"])
        history = list(selectors.jsapi_feature_history(feature=feature)[:HISTORY_SHOWN])
        context.update(
            feature=feature,
            jsapis=list(feature.jsapis.all()),
            history=[_history_row(event) for event in history],
            history_shown=HISTORY_SHOWN,
        )
        return context


def _history_row(event: Any) -> dict[str, Any]:
    """One change as the history table shows it: each changed field's before and after."""
    before, after = event.before or {}, event.after or {}
    labels = {
        "name": gettext("Name"),
        "description": gettext("Description"),
        "access": gettext("Access"),
        "jsapis": gettext("JSAPIs"),
    }
    access = dict(JsapiFeature.Access.choices)

    def shown(key: str, value: Any) -> str:
        if value is None:
            return ""
        if key == "jsapis":
            return ", ".join(value) if value else "—"
        if key == "access":
            return str(access.get(value, value))
        return str(value) or "—"

    changes = [
        {
            "label": labels.get(key, key),
            "before": shown(key, before.get(key)) if key in before else "",
            "after": shown(key, after.get(key)),
            "added": sorted(set(after.get(key) or []) - set(before.get(key) or []))
            if key == "jsapis" and key in before
            else [],
            "removed": sorted(set(before.get(key) or []) - set(after.get(key) or []))
            if key == "jsapis"
            else [],
        }
        for key in ("name", "description", "access", "jsapis")
        if key in after
    ]
    return {"event": event, "created": event.verb.endswith(".create"), "changes": changes}


class FeatureEditView(CataloguePageMixin, TemplateView):
    required_cap = Cap.MANAGE_JSAPI_CATALOGUE
    template_name = "miniprograms/jsapis/feature_form.html"
    section = "features"

    def get(self, request: HttpRequest, *args: Any, feature_id: int, **kwargs: Any) -> HttpResponse:
        feature = _feature_or_404(self, feature_id)
        jsapis = selectors.jsapi_choices(workspace=self.workspace)
        form = JsapiFeatureForm.for_feature(feature, jsapis=jsapis)
        return self.render_to_response(self.get_context_data(feature=feature, form=form))

    def post(
        self, request: HttpRequest, *args: Any, feature_id: int, **kwargs: Any
    ) -> HttpResponse:
        feature = _feature_or_404(self, feature_id)
        form = JsapiFeatureForm(
            request.POST, jsapis=selectors.jsapi_choices(workspace=self.workspace)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                jsapi_feature_update(
                    actor=self.membership,
                    feature=feature,
                    name=data["name"],
                    description=data["description"],
                    access=data["access"],
                    jsapi_ids=data["jsapis"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Feature saved."))
                return redirect("development:jsapi-feature", self.workspace.slug, feature.pk)
        return self.render_to_response(self.get_context_data(feature=feature, form=form))


# --- access granted (the tenant's side of applications) ------------------------------------------


class AccessListView(CataloguePageMixin, TemplateView):
    required_cap = Cap.DECIDE_APPROVALS
    template_name = "miniprograms/jsapis/access.html"
    section = "access"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        data = self.request.GET if self.request.GET else {"state": "approved"}
        filters = AccessFilterForm(data)
        state = filters.state_value()
        page = paginate(
            selectors.jsapi_access_list(workspace=self.workspace, state=state), self.request
        )
        context.update(
            filters=filters, state=state, page_obj=page, applications=list(page.object_list)
        )
        return context


class AccessRevokeView(CataloguePageMixin, View):
    required_cap = Cap.DECIDE_APPROVALS
    http_method_names = ["post"]

    def post(
        self, request: HttpRequest, *args: Any, application_id: int, **kwargs: Any
    ) -> HttpResponse:
        application = selectors.jsapi_access_get(
            workspace=self.workspace, application_id=application_id
        )
        if application is None:
            raise Http404("No such application.")
        form = RevokeForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, gettext("Say why the access is revoked: the developers will read it.")
            )
        else:
            try:
                jsapi_application_revoke(
                    actor=self.membership,
                    application=application,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    gettext("%(name)s can no longer call %(subject)s in %(app)s.")
                    % {
                        "name": application.miniprogram.name,
                        "subject": application.subject_name,
                        "app": application.host_app.name,
                    },
                )
        return redirect("development:jsapi-access", self.workspace.slug)


# --- a mini program's Development tab: JSAPI permissions -----------------------------------------


class _DevJsapisMixin(MiniProgramMixin):
    tab = "development"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["dev_section"] = "jsapis"
        return context

    def permissions(self) -> list[selectors.HostAppPermissions]:
        host_workspace = self.workspace if self.is_hosted else None
        targets = selectors.jsapi_target_workspace_ids(
            miniprogram=self.miniprogram, host_workspace=host_workspace
        )
        jsapi_catalogues_ensure(workspace_ids=targets)
        return selectors.jsapi_permissions(
            miniprogram=self.miniprogram, host_workspace=host_workspace
        )

    def back(self, host_app_id: int | None = None) -> HttpResponse:
        url = reverse(
            "miniprograms:dev-jsapis", args=[self.workspace.slug, self.miniprogram.app_id]
        )
        return redirect(f"{url}?host_app={host_app_id}" if host_app_id else url)


class JsapiPermissionsView(_DevJsapisMixin, TemplateView):
    """Per host app: what the mini program may call, its sensitive JSAPIs and activation
    features with where each stands. Everyone who sees the mini program reads it."""

    template_name = "miniprograms/development/jsapis/permissions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        hosts = self.permissions()
        wanted = self.request.GET.get("host_app", "")
        current = next(
            (h for h in hosts if str(h.host_app.pk) == wanted), hosts[0] if hosts else None
        )
        context.update(hosts=hosts, current=current)
        return context


class JsapiApplyView(_DevJsapisMixin, TemplateView):
    """Apply for a sensitive JSAPI or an activation feature in one host app (DEVELOP)."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "miniprograms/development/jsapis/apply.html"

    def _host(self, host_app_id: int) -> selectors.HostAppPermissions:
        host = next((h for h in self.permissions() if h.host_app.pk == host_app_id), None)
        if host is None:
            raise Http404("The mini program is not released to this host app.")
        return host

    @staticmethod
    def _subjects(host: selectors.HostAppPermissions) -> list[tuple[str, str]]:
        rows = [r for r in (*host.sensitive, *host.features) if r.can_apply]
        return [
            (
                r.subject,
                r.name if r.kind == "jsapi" else gettext("Feature: %(name)s") % {"name": r.name},
            )
            for r in rows
        ]

    def get(
        self, request: HttpRequest, *args: Any, host_app_id: int, **kwargs: Any
    ) -> HttpResponse:
        host = self._host(host_app_id)
        form = JsapiApplyForm(
            initial={"subject": request.GET.get("subject", "")}, subjects=self._subjects(host)
        )
        return self.render_to_response(self.get_context_data(host=host, form=form))

    def post(
        self, request: HttpRequest, *args: Any, host_app_id: int, **kwargs: Any
    ) -> HttpResponse:
        host = self._host(host_app_id)
        form = JsapiApplyForm(request.POST, subjects=self._subjects(host))
        if form.is_valid():
            try:
                application = jsapi_apply(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    host_app_id=host_app_id,
                    reason=form.cleaned_data["reason"],
                    **form.subject_ids(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "Application for %(subject)s sent: %(tenant)s decides it in its approvals."
                    )
                    % {
                        "subject": application.subject_name,
                        "tenant": host.host_app.workspace.name,
                    },
                )
                return self.back(host_app_id)
        return self.render_to_response(self.get_context_data(host=host, form=form))


class JsapiWithdrawView(_DevJsapisMixin, View):
    """Withdraw an application waiting for a decision (its submitter or an admin). POST only."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    http_method_names = ["post"]

    def post(
        self, request: HttpRequest, *args: Any, application_id: int, **kwargs: Any
    ) -> HttpResponse:
        application = selectors.jsapi_application_get(
            miniprogram=self.miniprogram, application_id=application_id
        )
        if application is None:
            raise Http404("No such application.")
        try:
            jsapi_application_withdraw(actor=self.membership, application=application)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext("Application for %(subject)s withdrawn.")
                % {"subject": application.subject_name},
            )
        return self.back(application.host_app_id)
