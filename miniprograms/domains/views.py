"""Development › Domains: a mini program's server domains and WAP URLs (global and per
version, with the effective lists of every version), its restriction, and skip domain
verification; and the tenant's Settings tab "Authorized server domains and WAP URLs".

Everyone who sees the mini program reads its lists (a host tenant too: its app enforces them).
Editing needs DEVELOP_MINIPROGRAM and the edit right (``services.require_edit_right``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from miniprograms.domains.forms import DomainListsForm, GrantAddForm, SkipApplyForm
from miniprograms.domains.selectors import (
    domain_edit_grant_get,
    domain_edit_grant_list,
    domain_skip_get,
    domain_skip_list,
    domains_overview,
    grantable_developer_workspaces,
    grantable_miniprograms,
    restricted_tenant_miniprograms,
)
from miniprograms.domains.services import (
    DomainEditNotGranted,
    can_edit_lists,
    domain_config_save,
    domain_edit_grant_add,
    domain_edit_grant_revoke,
    domain_restriction_set,
    domain_skip_apply,
    domain_skip_revoke,
)
from miniprograms.extensions import version_numbers
from miniprograms.mixins import MiniProgramMixin
from workspaces import authz
from workspaces.authz import Cap
from workspaces.mixins import SettingsTabsMixin, WorkspaceMixin


class _DomainsPage(MiniProgramMixin, TemplateView):
    tab = "development"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["dev_section"] = "domains"
        return context

    def back(self, anchor: str = "") -> HttpResponse:
        url = reverse(
            "miniprograms:dev-domains", args=[self.workspace.slug, self.miniprogram.app_id]
        )
        return redirect(f"{url}#{anchor}" if anchor else url)


@method_decorator(never_cache, name="dispatch")
class DomainsView(_DomainsPage):
    """The lists in force: access (any domain or the lists), the global configuration, every
    version's effective lists, and skip domain verification per host app."""

    template_name = "miniprograms/development/domains/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mp, member = self.miniprogram, self.membership
        hosted = self.is_hosted
        overview = domains_overview(miniprogram=mp, with_skips=not hosted and not mp.is_tenant_kind)
        may_apply = not hosted and not mp.is_tenant_kind and self.can_develop
        host_apps = [
            (s.host_app_id, s.host_app_name)
            for s in overview.skips
            if s.skip is None and s.open_request is None
        ]
        context.update(
            overview=overview,
            may_edit=not hosted and can_edit_lists(actor=member, miniprogram=mp),
            may_restrict=not hosted
            and mp.is_tenant_kind
            and authz.has_cap(member, Cap.MANAGE_DOMAIN_POLICY, mp),
            may_apply=may_apply,
            # A host tenant's Owner/Admin reading a merchant's lists: where to grant editing.
            may_grant=hosted and authz.has_cap(member, Cap.MANAGE_DOMAIN_POLICY),
            tenant=mp.workspace.tenant if not mp.is_tenant_kind else None,
        )
        if may_apply and host_apps:
            context.setdefault("skip_form", SkipApplyForm(host_apps=host_apps))
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data())


@method_decorator(never_cache, name="dispatch")
class DomainsEditView(_DomainsPage):
    """Edit the global configuration (no ``version``) or one version's. All five lists are
    saved at once or none, with every bad line named; the input is kept on error."""

    template_name = "miniprograms/development/domains/edit.html"
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    host_readable = False  # a host tenant never edits a merchant's lists (404 for the form)

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.version = kwargs.get("version", "")

    def check_edit_right(self) -> None:
        if not can_edit_lists(actor=self.membership, miniprogram=self.miniprogram):
            raise DomainEditNotGranted(miniprogram=self.miniprogram)
        if self.version and self.version not in version_numbers(self.miniprogram):
            raise Http404("No such version.")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        overview = domains_overview(miniprogram=self.miniprogram)
        if "form" not in context:
            context["form"] = DomainListsForm.from_lists(overview.lists_of(self.version))
        context.update(
            version=self.version,
            global_rows=overview.global_rows,
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_edit_right()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.check_edit_right()
        form = DomainListsForm(request.POST)
        if form.is_valid():
            try:
                domain_config_save(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    version=self.version,
                    lists=form.raw_lists(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if self.version:
                    text = gettext("Saved the server domains and WAP URLs of version %(v)s.") % {
                        "v": self.version
                    }
                else:
                    text = gettext("Saved the global server domains and WAP URLs.")
                messages.success(request, text)
                return self.back(f"version-{self.version}" if self.version else "global")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DomainsRestrictionView(_DomainsPage, View):
    """Restrict a tenant mini program to its lists, or let it call any domain again
    (MANAGE_DOMAIN_POLICY: the tenant's Owner and Workspace Admins). POST only."""

    http_method_names = ["post"]
    host_readable = False
    post_cap = Cap.MANAGE_DOMAIN_POLICY

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        restricted = request.POST.get("restricted") == "1"
        try:
            domain_restriction_set(
                actor=self.membership, miniprogram=self.miniprogram, restricted=restricted
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            text = (
                gettext("“%(name)s” may now call only the domains on its lists.")
                if restricted
                else gettext("“%(name)s” may call any domain again.")
            )
            messages.success(request, text % {"name": self.miniprogram.name})
        return self.back("access")


class DomainsSkipApplyView(DomainsView):
    """Apply to skip domain verification in a host app (DEVELOP_MINIPROGRAM, merchant mini
    programs). POST only; a refused application shows the page again with the input kept."""

    http_method_names = ["post"]
    host_readable = False
    post_cap = Cap.DEVELOP_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        overview = domains_overview(miniprogram=self.miniprogram, with_skips=True)
        choices = [(s.host_app_id, s.host_app_name) for s in overview.skips]
        form = SkipApplyForm(request.POST, host_apps=choices)
        if form.is_valid():
            try:
                domain_skip_apply(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    host_app_id=form.cleaned_data["host_app"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "Application sent: the host app's reviewers decide it under Approvals."
                    ),
                )
                return self.back("skip")
        return self.render_to_response(self.get_context_data(skip_form=form), status=400)


# --- the tenant's Settings tab ------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class DomainPolicyView(SettingsTabsMixin, WorkspaceMixin, TemplateView):
    """Settings → Authorized server domains and WAP URLs (tenant; MANAGE_DOMAIN_POLICY): who
    may edit their lists, approved skips of domain verification, restricted mini programs."""

    template_name = "miniprograms/development/domains/policy.html"
    settings_tab = "domain_policy"
    required_cap = Cap.VIEW_WORKSPACE

    def authorize(self) -> None:
        if not self.workspace.is_tenant:
            raise Http404("Only a tenant workspace authorizes server domains.")
        authz.require(self.membership, Cap.MANAGE_DOMAIN_POLICY)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        tenant = self.workspace
        workspaces = grantable_developer_workspaces(tenant=tenant)
        programs = grantable_miniprograms(tenant=tenant)
        grants = list(domain_edit_grant_list(tenant=tenant))
        granted_workspaces = {g.developer_workspace_id for g in grants if g.developer_workspace_id}
        granted_programs = {g.miniprogram_id for g in grants if g.miniprogram_id}
        context.setdefault(
            "grant_form",
            GrantAddForm(
                workspaces=[w for w in workspaces if w.pk not in granted_workspaces],
                miniprograms=[m for m in programs if m.pk not in granted_programs],
            ),
        )
        context.update(
            grants=grants,
            has_developer_workspaces=bool(workspaces),
            skips=list(domain_skip_list(tenant=tenant)),
            restricted=restricted_tenant_miniprograms(tenant=tenant),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.authorize()
        return self.render_to_response(self.get_context_data())


class DomainGrantAddView(DomainPolicyView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.authorize()
        tenant = self.workspace
        form = GrantAddForm(
            request.POST,
            workspaces=grantable_developer_workspaces(tenant=tenant),
            miniprograms=grantable_miniprograms(tenant=tenant),
        )
        if form.is_valid():
            try:
                grant = domain_edit_grant_add(actor=self.membership, **form.subject_args())
            except ValidationError as exc:
                form.add_error("subject", " ".join(exc.messages))
            else:
                subject = grant.developer_workspace or grant.miniprogram
                messages.success(
                    request,
                    gettext("%(subject)s may now edit its server domains and WAP URLs.")
                    % {"subject": getattr(subject, "name", "")},
                )
                return redirect("development:domain-policy", tenant.slug)
        return self.render_to_response(self.get_context_data(grant_form=form), status=400)


class DomainGrantRevokeView(WorkspaceMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, grant_id: int, **kwargs: Any) -> HttpResponse:
        if not self.workspace.is_tenant:
            raise Http404("No such grant.")
        authz.require(self.membership, Cap.MANAGE_DOMAIN_POLICY)
        grant = domain_edit_grant_get(tenant=self.workspace, grant_id=grant_id)
        if grant is None:
            raise Http404("No such grant.")
        subject = grant.developer_workspace or grant.miniprogram
        domain_edit_grant_revoke(actor=self.membership, grant_id=grant.pk)
        messages.success(
            request,
            gettext("%(subject)s can no longer edit its server domains and WAP URLs.")
            % {"subject": getattr(subject, "name", "")},
        )
        return redirect("development:domain-policy", self.workspace.slug)


class DomainSkipRevokeView(WorkspaceMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, skip_id: int, **kwargs: Any) -> HttpResponse:
        if not self.workspace.is_tenant:
            raise Http404("No such approval.")
        authz.require(self.membership, Cap.MANAGE_DOMAIN_POLICY)
        skip = domain_skip_get(tenant=self.workspace, skip_id=skip_id)
        if skip is None:
            raise Http404("No such approval.")
        domain_skip_revoke(actor=self.membership, skip_id=skip.pk)
        messages.success(
            request,
            gettext("“%(name)s” is held to its lists in %(app)s again.")
            % {"name": skip.miniprogram.name, "app": skip.host_app.name},
        )
        return redirect("development:domain-policy", self.workspace.slug)
