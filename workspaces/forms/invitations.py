"""The invitation page's form: an account for the invited address (shape only)."""

from __future__ import annotations

from workspaces.forms.onboarding import NewAccountForm


class InvitationSignupForm(NewAccountForm):
    """A new account for the invited address: the email comes from the invitation itself."""
