"""Message template pages.

A tenant's public library (namespace ``development``, ``/w/<slug>/development/message-templates/``):
list with search and filters; its Owner/Admin adds, retires and restores templates. Developer
workspaces have no library: 404 there.

A mini program's *Subscription messages* tab (``miniprograms:subscriptions…``): its My
Templates; Developers add one (choose a public template of a library it may use, then pick and
order 1–5 keywords with a preview), edit the keywords and delete it. Ordering works without
JavaScript: the up/down buttons post the current choice back and the page re-renders it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from console.paging import paginate
from miniprograms.mixins import MiniProgramMixin
from miniprograms.subscriptions import selectors
from miniprograms.subscriptions.forms import KeywordPickForm, LibraryFilterForm, PublicTemplateForm
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from miniprograms.subscriptions.services import (
    CHOSEN_MAX,
    my_template_create,
    my_template_delete,
    my_template_update,
    public_template_create,
    public_template_set_retired,
    template_libraries_ensure,
    template_library_ensure,
)
from workspaces.authz import Cap
from workspaces.mixins import TenantPageMixin


class LibraryPageMixin(TenantPageMixin):
    """Only tenants have a library (404 elsewhere); it is written on first use (idempotent)."""

    def ensure(self) -> None:
        if not self.workspace.is_tenant:
            raise Http404("Only tenant workspaces keep a message template library.")
        template_library_ensure(workspace=self.workspace)


class LibraryListView(LibraryPageMixin, TemplateView):
    template_name = "miniprograms/subscriptions/library.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.ensure()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ids = {self.workspace.pk}
        filters = LibraryFilterForm(
            self.request.GET, categories=selectors.public_template_categories(workspace_ids=ids)
        )
        chosen = filters.filters()
        rows = selectors.public_template_list(workspace_ids=ids, include_retired=True, **chosen)
        page = paginate(rows, self.request)
        context.update(
            filters=filters,
            is_filtered=any(chosen.values()),
            page_obj=page,
            templates=list(page.object_list),
        )
        return context


class LibraryCreateView(LibraryPageMixin, TemplateView):
    required_cap = Cap.MANAGE_JSAPI_CATALOGUE
    template_name = "miniprograms/subscriptions/library_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.ensure()
        return self.render_to_response(self.get_context_data(form=PublicTemplateForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.ensure()
        form = PublicTemplateForm(request.POST)
        if form.is_valid():
            try:
                template = public_template_create(
                    actor=self.membership,
                    workspace=self.workspace,
                    title=form.cleaned_data["title"],
                    category=form.cleaned_data["category"],
                    kind=form.cleaned_data["kind"],
                    keywords=form.keyword_list(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, gettext("“%(title)s” added to the library.") % {"title": template}
                )
                return redirect("development:message-templates", self.workspace.slug)
        return self.render_to_response(self.get_context_data(form=form))


class LibraryRetireView(LibraryPageMixin, View):
    """Retire (``retired=1``) or restore (``retired=0``) a template. POST only."""

    required_cap = Cap.MANAGE_JSAPI_CATALOGUE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, template_id: int, **kwargs: Any):
        self.ensure()
        template = selectors.public_template_get(
            workspace_ids={self.workspace.pk}, template_id=template_id
        )
        if template is None:
            raise Http404("No such template.")
        retired = request.POST.get("retired") != "0"
        public_template_set_retired(actor=self.membership, template=template, retired=retired)
        text = gettext("“%(title)s” retired: mini programs can no longer choose it.")
        if not retired:
            text = gettext("“%(title)s” is offered again.")
        messages.success(request, text % {"title": template.title})
        return redirect("development:message-templates", self.workspace.slug)


# --- a mini program's Subscription messages tab ----------------------------------------------


class _TabMixin(MiniProgramMixin):
    tab = "subscriptions"

    def library_ids(self) -> set[int]:
        """The libraries it picks from; a host tenant reading a merchant's sees only its own."""
        ids = selectors.library_workspace_ids(miniprogram=self.miniprogram)
        if self.is_hosted:
            ids &= {self.workspace.pk}
        template_libraries_ensure(workspace_ids=ids)
        return ids

    def my_template(self, template_id: str) -> MyTemplate:
        mine = selectors.my_template_get(miniprogram=self.miniprogram, template_id=template_id)
        if mine is None:
            raise Http404("No such template.")
        return mine

    def back(self) -> HttpResponse:
        return redirect("miniprograms:subscriptions", self.workspace.slug, self.miniprogram.app_id)


class MyTemplateListView(_TabMixin, TemplateView):
    """The mini program's My Templates; everyone who sees the mini program reads them."""

    template_name = "miniprograms/subscriptions/my_templates.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = selectors.my_template_list(
            miniprogram=self.miniprogram,
            library_workspace_id=self.workspace.pk if self.is_hosted else None,
        )
        page = paginate(rows, self.request)
        context.update(page_obj=page, my_templates=list(page.object_list))
        return context


class MyTemplateChooseView(_TabMixin, TemplateView):
    """Step 1 of adding: the libraries it may use, searchable; "Select" opens the picker."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "miniprograms/subscriptions/choose.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ids = self.library_ids()
        filters = LibraryFilterForm(
            self.request.GET, categories=selectors.public_template_categories(workspace_ids=ids)
        )
        chosen = filters.filters()
        page = paginate(selectors.public_template_list(workspace_ids=ids, **chosen), self.request)
        context.update(
            filters=filters,
            is_filtered=any(chosen.values()),
            page_obj=page,
            templates=list(page.object_list),
            has_libraries=bool(ids),
            several_libraries=len(ids) > 1,
        )
        return context


def _moved(chosen: list[str], move: str) -> list[str]:
    """``up:<keyword>`` / ``down:<keyword>`` applied to the chosen list (unknown: unchanged)."""
    direction, _sep, keyword = move.partition(":")
    if keyword not in chosen:
        return chosen
    i = chosen.index(keyword)
    j = i - 1 if direction == "up" else i + 1 if direction == "down" else i
    if 0 <= j < len(chosen):
        chosen = list(chosen)
        chosen[i], chosen[j] = chosen[j], chosen[i]
    return chosen


class _PickMixin(_TabMixin):
    """The keyword picker shared by add and edit: GET shows it; POST with ``move`` or
    ``refresh`` re-renders the choice (no save); any other POST saves."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "miniprograms/subscriptions/pick.html"

    def render_pick(
        self, template: PublicTemplate, chosen: list[str], form: KeywordPickForm, **extra: Any
    ) -> HttpResponse:
        rest = [k for k in template.keywords if k not in chosen]
        return self.render_to_response(
            self.get_context_data(
                public_template=template,
                chosen=chosen,
                rest=rest,
                form=form,
                chosen_max=CHOSEN_MAX,
                **extra,
            )
        )

    def saving(self, request: HttpRequest) -> bool:
        return "move" not in request.POST and "refresh" not in request.POST


class MyTemplateAddView(_PickMixin, TemplateView):
    def template(self, public_template_id: int) -> PublicTemplate:
        template = selectors.public_template_get(
            workspace_ids=self.library_ids(), template_id=public_template_id
        )
        if template is None or template.is_retired:
            raise Http404("No such template in the libraries this mini program may use.")
        return template

    def get(self, request: HttpRequest, *args: Any, public_template_id: int, **kwargs: Any):
        template = self.template(public_template_id)
        return self.render_pick(template, [], KeywordPickForm(template=template))

    def post(self, request: HttpRequest, *args: Any, public_template_id: int, **kwargs: Any):
        template = self.template(public_template_id)
        form = KeywordPickForm(request.POST, template=template)
        chosen = form.chosen()
        if not self.saving(request):
            chosen = _moved(chosen, request.POST.get("move", ""))
            return self.render_pick(template, chosen, KeywordPickForm(template=template))
        if form.is_valid():
            try:
                mine = my_template_create(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    public_template=template,
                    keywords=chosen,
                    library_workspace_ids=self.library_ids(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("“%(title)s” added to My Templates: template id %(id)s.")
                    % {"title": template.title, "id": mine.template_id},
                )
                return self.back()
        return self.render_pick(template, chosen, form)


class MyTemplateEditView(_PickMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, template_id: str, **kwargs: Any):
        mine = self.my_template(template_id)
        template = mine.public_template
        return self.render_pick(
            template, list(mine.keywords), KeywordPickForm(template=template), my_template=mine
        )

    def post(self, request: HttpRequest, *args: Any, template_id: str, **kwargs: Any):
        mine = self.my_template(template_id)
        template = mine.public_template
        form = KeywordPickForm(request.POST, template=template)
        chosen = form.chosen()
        if not self.saving(request):
            chosen = _moved(chosen, request.POST.get("move", ""))
            return self.render_pick(
                template, chosen, KeywordPickForm(template=template), my_template=mine
            )
        if form.is_valid():
            try:
                my_template_update(actor=self.membership, my_template=mine, keywords=chosen)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Template %(id)s saved.") % {"id": template_id})
                return self.back()
        return self.render_pick(template, chosen, form, my_template=mine)


class MyTemplateDeleteView(_TabMixin, View):
    """Delete a My Template (confirmed in a dialog). POST only."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, template_id: str, **kwargs: Any):
        mine = self.my_template(template_id)
        my_template_delete(actor=self.membership, my_template=mine)
        messages.success(
            request,
            gettext("Template %(id)s (%(title)s) deleted.")
            % {"id": template_id, "title": mine.public_template.title},
        )
        return self.back()
