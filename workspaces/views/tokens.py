"""``/accounts/tokens/``: create, list and revoke personal API tokens (STYLE.md §6).

A new token is rendered straight into the POST response, once: it is never put in the session,
a message or a redirect URL, and the page is ``no-store`` so the browser does not keep it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache

from console.paging import paginate
from workspaces.forms.accounts import TokenCreateForm
from workspaces.selectors import api_token_list
from workspaces.services.tokens import token_create, token_revoke


@method_decorator(never_cache, name="dispatch")
class TokensView(LoginRequiredMixin, View):
    template_name = "accounts/tokens.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, form=TokenCreateForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenCreateForm(request.POST)
        if not form.is_valid():
            return self._render(request, form=form)
        try:
            token, raw = token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ValidationError as exc:
            by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, errors in by_field.items():
                target = {"name": "name", "expires_at": "expiry"}.get(field or "")
                for error in errors:
                    form.add_error(target, error)
            return self._render(request, form=form)
        return self._render(request, form=TokenCreateForm(), new_token=token, new_raw=raw)

    def _render(self, request: HttpRequest, *, form: TokenCreateForm, **extra) -> HttpResponse:
        page = paginate(api_token_list(user=request.user), request)
        context = {"form": form, "page_obj": page, "tokens": list(page.object_list), **extra}
        return render(request, self.template_name, context)


class TokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, token_id: int) -> HttpResponse:
        token = token_revoke(actor=request.user, token_id=token_id)  # 404 unless it is yours
        messages.success(
            request,
            gettext("Token “%(name)s” revoked. Anything using it can no longer sign in.")
            % {"name": token.name},
        )
        return redirect("accounts:tokens")
