"""Account pages under ``/accounts/`` (sign-in, 2FA, password, profile, API tokens)."""

from django.urls import path

from workspaces.views import accounts, tokens

app_name = "accounts"

urlpatterns = [
    # --- sign-in, 2FA, password, profile (workspaces/views/accounts.py) ---
    path("login/", accounts.placeholder, name="login"),
    path("logout/", accounts.placeholder, name="logout"),
    path("profile/", accounts.placeholder, name="profile"),
    path("security/", accounts.placeholder, name="security"),
    # --- personal API tokens (workspaces/views/tokens.py) ---
    path("tokens/", tokens.placeholder, name="tokens"),
]
