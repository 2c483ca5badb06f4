"""Development › Keys: the AppSecret (generate, reset, freeze, unfreeze: MANAGE_APP_SECRET,
the Owner and Admins) and the OAuth settings of one mini program.

A new AppSecret is rendered straight into the POST's response, in a dialog that says it is
shown once: never put in the session, a message or a URL, and the page is ``no-store`` — after
a reload it is gone. Everyone who sees the mini program reads the state (never the secret); a
host tenant reads it too and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from miniprograms.mixins import MiniProgramMixin
from miniprograms.secrets.forms import OAuthSettingsForm
from miniprograms.secrets.models import AUTH_CODE_TTL
from miniprograms.secrets.selectors import appsecret_get
from miniprograms.secrets.services import (
    appsecret_freeze,
    appsecret_generate,
    appsecret_reset,
    appsecret_unfreeze,
    oauth_settings_update,
)
from workspaces.authz import Cap


@method_decorator(never_cache, name="dispatch")
class KeysView(MiniProgramMixin, TemplateView):
    """The AppSecret's state, its actions, the OAuth settings and how to use them."""

    template_name = "miniprograms/development/keys/page.html"
    tab = "development"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        app_secret = appsecret_get(miniprogram=self.miniprogram)
        context.update(
            dev_section="keys",
            app_secret=app_secret,
            can_manage_secret=Cap.MANAGE_APP_SECRET.value in self.mp_caps,
            auth_code_minutes=AUTH_CODE_TTL // 60,
            token_minutes=app_secret.access_token_ttl // 60,
            oauth_base=self.request.build_absolute_uri("/oauth/v1/"),
        )
        context.setdefault(
            "oauth_form",
            OAuthSettingsForm(initial={"access_token_minutes": app_secret.access_token_ttl // 60}),
        )
        return context

    def back(self) -> HttpResponse:
        return redirect("miniprograms:dev-keys", self.workspace.slug, self.miniprogram.app_id)


class _SecretAction(KeysView):
    http_method_names = ["post"]
    miniprogram_cap = Cap.MANAGE_APP_SECRET


class KeysGenerateView(_SecretAction):
    """POST: the first AppSecret; the response shows it once."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            _row, secret = appsecret_generate(actor=self.membership, miniprogram=self.miniprogram)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        return self.render_to_response(self.get_context_data(new_secret=secret, created=True))


class KeysResetView(_SecretAction):
    """POST: a new AppSecret in place of the current one; the response shows it once."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            _row, secret = appsecret_reset(actor=self.membership, miniprogram=self.miniprogram)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        return self.render_to_response(self.get_context_data(new_secret=secret, created=False))


class KeysFreezeView(_SecretAction):
    """POST: freeze (``freeze = True``) or unfreeze the AppSecret, back to the page."""

    freeze = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = appsecret_freeze if self.freeze else appsecret_unfreeze
        try:
            action(actor=self.membership, miniprogram=self.miniprogram)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if self.freeze:
                text = gettext(
                    "AppSecret frozen: every token exchange is refused until you unfreeze it."
                )
            else:
                text = gettext("AppSecret unfrozen: token exchanges work again.")
            messages.success(request, text)
        return self.back()


class KeysUnfreezeView(KeysFreezeView):
    freeze = False


class KeysOAuthSettingsView(_SecretAction):
    """POST: the access token lifetime; errors show the page again with the input kept."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OAuthSettingsForm(request.POST)
        if form.is_valid():
            try:
                oauth_settings_update(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    access_token_ttl=form.seconds(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("OAuth settings saved."))
                return self.back()
        return self.render_to_response(self.get_context_data(oauth_form=form))
