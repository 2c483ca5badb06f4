"""The invitation link: ``/invitations/<token>/`` — accept, or sign up and accept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from workspaces.forms.invitations import InvitationSignupForm
from workspaces.selectors import account_exists
from workspaces.services.invitations import (
    invitation_accept,
    invitation_accept_with_signup,
    invitation_get_by_token,
    invitation_refusal,
)


class InvitationAcceptView(View):
    """Anyone holding the link may open it; what they can do depends on who they are.

    Signed in with the invited address → "Accept". Signed out and the address has an account
    → sign in first (and come back). No account yet → a sign-up form for that address.
    """

    template_name = "workspaces/invitation_accept.html"

    def _context(self, request: HttpRequest, token: str, **extra) -> dict:
        invitation = invitation_get_by_token(raw_token=token)
        user = request.user if request.user.is_authenticated else None
        context = {
            "invitation": invitation,
            "token": token,
            "refusal": (
                invitation_refusal(invitation=invitation, user=user)
                if invitation
                else "This invitation link is not valid. Check that you copied all of it."
            ),
            "has_account": bool(invitation and account_exists(email=invitation.email)),
            "login_url": f"{reverse('accounts:login')}?next={request.path}",
        }
        context.update(extra)
        return context

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        context = self._context(request, token, form=InvitationSignupForm())
        status = 404 if context["invitation"] is None else 200
        return render(request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        form = InvitationSignupForm()
        try:
            if request.user.is_authenticated:
                membership = invitation_accept(raw_token=token, user=request.user)
            else:
                form = InvitationSignupForm(request.POST)
                if not form.is_valid():
                    return render(
                        request, self.template_name, self._context(request, token, form=form)
                    )
                membership = invitation_accept_with_signup(
                    raw_token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as exc:
            if form.is_bound:
                form.add_error(None, exc)
            else:
                messages.error(request, " ".join(exc.messages))
            return render(
                request, self.template_name, self._context(request, token, form=form), status=400
            )
        messages.success(request, f"Welcome to {membership.workspace.name}.")
        return redirect("console:dashboard", workspace_slug=membership.workspace.slug)
