"""The list, create (plain form and quick-start step 1), Overview, Settings (edit) and logo."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.files import image_bytes_response, image_response
from miniprograms import languages, validators
from miniprograms.extensions import overview_context
from miniprograms.forms import HostAppsForm, MiniProgramFilterForm, ProfileForm
from miniprograms.forms.logo_hold import logo_held
from miniprograms.models import MiniProgram
from miniprograms.profile import pending_fields, profile_changes
from miniprograms.selectors import (
    developer_choices,
    industry_groups,
    miniprogram_hosted_list,
    miniprogram_list,
)
from miniprograms.services.host_apps import host_apps_available
from miniprograms.services.profile import miniprogram_create, miniprogram_update_profile
from miniprograms.views.base import MiniProgramMixin
from miniprograms.views.hosted import reads_hosted
from miniprograms.views.rows import list_rows, paginate_ids_first
from workspaces import authz
from workspaces.authz import Cap
from workspaces.mixins import WorkspaceMixin
from workspaces.models import HostApp

# A logo passed validators.validate_logo: a PNG or a JPEG, told by its first bytes.

# --- what the pages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageTexts:
    code: str
    label: str
    name: str
    tagline: str
    description: str


def _language_rows(texts: dict[str, dict[str, str]] | None) -> list[LanguageTexts]:
    """``{"ja": {"name": …}}`` (a profile's extra languages) as rows with readable labels."""
    return [
        LanguageTexts(
            code=code,
            label=languages.label(code),
            name=row.get("name", ""),
            tagline=row.get("tagline", ""),
            description=row.get("description", ""),
        )
        for code, row in sorted((texts or {}).items())
    ]


@dataclass(frozen=True)
class ChangeRow:
    """One field pending until the next release: the draft beside what host apps show."""

    key: str
    label: str
    draft: Any
    released: Any


def _change_rows(mp: MiniProgram) -> list[ChangeRow]:
    rows = []
    for change in profile_changes(mp):
        draft, released = change.draft, change.released
        if change.key == "languages":
            draft, released = _language_rows(draft), _language_rows(released)
        rows.append(ChangeRow(change.key, gettext(change.label), draft, released))
    return rows


def _profile_context(view: WorkspaceMixin, host_apps: list[HostApp]) -> dict[str, Any]:
    """What the profile form's template needs beside the form."""
    return {
        "host_apps": host_apps,
        "can_add_host_app": authz.has_cap(view.membership, Cap.MANAGE_HOST_APPS),
        "wide_ranges": [list(r) for r in validators.WIDE_RANGES],
    }


# --- list ---------------------------------------------------------------------------------


class MiniProgramListView(WorkspaceMixin, TemplateView):
    """Every member: Owners, Admins and Reviewers see all; Developers their assigned ones."""

    template_name = "miniprograms/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_assign = authz.has_cap(self.membership, Cap.MANAGE_MINIPROGRAM)
        filters = MiniProgramFilterForm(
            self.request.GET,
            host_apps=host_apps_available(workspace=self.workspace),
            developers=developer_choices(workspace=self.workspace) if can_assign else None,
        )
        values = filters.values()
        page = paginate_ids_first(miniprogram_list(member=self.membership, **values), self.request)
        rows_on_page = list(page.object_list)
        hosted_tab = reads_hosted(self.membership)
        search = values.get("search", "")
        context.update(
            filters=filters,
            is_filtered=any(values.values()),
            page_obj=page,
            miniprograms=rows_on_page,
            rows=list_rows(rows_on_page, slug_of=lambda _mp: self.workspace.slug),
            is_developer_view=not authz.has_role_cap(self.membership, Cap.VIEW_MINIPROGRAM),
            list_tab="own",
            hosted_tab=hosted_tab,
            # A search (the top bar's too) also says how many merchant mini programs match.
            hosted_matches=miniprogram_hosted_list(member=self.membership, search=search).count()
            if hosted_tab and search
            else 0,
            search=search,
        )
        return context


# --- create: the plain form and the quick start's first step -------------------------------


@method_decorator(never_cache, name="dispatch")
class MiniProgramCreateView(WorkspaceMixin, TemplateView):
    """ "+ Create mini program" (Owner and Admins). A successful create opens its page."""

    required_cap = Cap.ADD_MINIPROGRAM
    template_name = "miniprograms/create.html"
    wizard = False

    def _form(self, data=None, files=None) -> ProfileForm:
        return ProfileForm(
            data,
            files,
            industries=industry_groups(),
            host_apps=self.host_apps,
            user_id=self.request.user.pk,
            initial={"default_language": languages.canonical(self.workspace.default_language)},
        )

    @cached_property
    def host_apps(self) -> list[HostApp]:
        return host_apps_available(workspace=self.workspace)

    @property
    def then_upload(self) -> bool:
        """Opened from the dashboard's first-run card (``?then=upload``): after the create, go
        straight to the new mini program's upload page, where 1.0.0 is suggested."""
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        return source.get("then") == "upload"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            _profile_context(self, self.host_apps), wizard=self.wizard, then_upload=self.then_upload
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST, request.FILES)
        if form.is_valid():
            try:
                mp = miniprogram_create(
                    actor=self.membership,
                    profile=form.profile_input(),
                    logo=form.cleaned_data["logo"],
                    default_language=form.cleaned_data["default_language"],
                    host_app_ids=form.host_app_ids(),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return self.success(mp)
        return self.render_to_response(self.get_context_data(form=form))

    def success(self, mp: MiniProgram) -> HttpResponse:
        created = gettext("“%(name)s” is created. Its App ID is %(app_id)s.") % {
            "name": mp.name,
            "app_id": mp.app_id,
        }
        if self.then_upload:
            messages.success(self.request, created + " " + gettext("Upload its first version."))
            return redirect("releases:upload", self.workspace.slug, mp.app_id)
        messages.success(self.request, created)
        return redirect("miniprograms:detail", self.workspace.slug, mp.app_id)


class WizardBasicsView(MiniProgramCreateView):
    """Quick start, step 1 of 2: the same form; then step 2 (members)."""

    template_name = "miniprograms/wizard_basics.html"
    wizard = True

    def success(self, mp: MiniProgram) -> HttpResponse:
        # Step 2 itself says the mini program is created and shows its App ID.
        return redirect("miniprograms:wizard-members", self.workspace.slug, mp.app_id)


# --- one mini program ----------------------------------------------------------------------


class MiniProgramDetailView(MiniProgramMixin, TemplateView):
    """Overview: App ID, kind, shelf status, host apps, languages, the staged profile."""

    template_name = "miniprograms/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mp = self.miniprogram
        context.update(
            targets=list(mp.targets.all()),
            language_rows=[
                LanguageTexts(
                    row.language,
                    languages.label(row.language),
                    row.name,
                    row.tagline,
                    row.description,
                )
                for row in mp.languages.all()
            ],
            default_language_label=languages.label(mp.default_language),
            is_released=mp.is_released,
            pending=pending_fields(mp),
            changes=_change_rows(mp) if mp.is_released else [],
            **overview_context(mp),  # what later apps add (releases: the newest ready version)
        )
        return context


@method_decorator(never_cache, name="dispatch")
class MiniProgramEditView(MiniProgramMixin, TemplateView):
    """Settings: the profile (staged until the next release), "Release to", shelf, delete."""

    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM
    template_name = "miniprograms/settings.html"
    tab = "settings"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mp = self.miniprogram
        host_apps = host_apps_available(workspace=self.workspace)
        context.update(
            _profile_context(self, host_apps),
            host_apps_form=HostAppsForm(
                host_apps=host_apps,
                initial={
                    "host_apps": [str(t.host_app_id) for t in mp.targets.all() if t.is_active]
                },
            ),
            default_language_label=languages.label(mp.default_language),
        )
        return context

    def _form(self, data=None, files=None) -> ProfileForm:
        return ProfileForm(
            data,
            files,
            industries=industry_groups(),
            miniprogram=self.miniprogram,
            user_id=self.request.user.pk,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST, request.FILES)
        if form.is_valid():
            try:
                miniprogram_update_profile(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    profile=form.profile_input(),
                    logo=form.cleaned_data.get("logo") or None,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                if self.miniprogram.is_released:
                    saved = gettext(
                        "Saved. The changes are staged: host apps keep showing the released "
                        "profile until the next version is released."
                    )
                else:
                    saved = gettext(
                        "Saved. Host apps will show this profile once the first version is "
                        "released."
                    )
                messages.success(request, saved)
                return redirect("miniprograms:detail", self.workspace.slug, self.miniprogram.app_id)
        return self.render_to_response(self.get_context_data(form=form))


class HeldLogoView(WorkspaceMixin, View):
    """The logo held for the signed-in person between two submits of a profile form (the
    preview beside "Your chosen logo is kept"); a token of anyone else answers 404."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        held = logo_held(token=kwargs["token"], user_id=request.user.pk)
        if held is None:
            raise Http404("No such logo.")
        return image_bytes_response(held.data)


class MiniProgramLogoView(MiniProgramMixin, View):
    """The draft logo (``?released=1``: the one host apps show), streamed to those who may see
    the mini program."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mp = self.miniprogram
        if request.GET.get("released"):
            key = (mp.released_profile or {}).get("logo") or ""
        else:
            key = mp.logo.name if mp.logo else ""
        if not key:
            raise Http404("No such logo.")
        return image_response(FieldFile(mp, MiniProgram._meta.get_field("logo"), key))
