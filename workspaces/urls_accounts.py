"""Account pages under ``/accounts/`` (sign-in, 2FA, password, API tokens)."""

from django.urls import path

from workspaces.views import accounts

app_name = "accounts"

urlpatterns = [
    path("login/", accounts.placeholder, name="login"),
    path("logout/", accounts.placeholder, name="logout"),
    path("profile/", accounts.placeholder, name="profile"),
    path("security/", accounts.placeholder, name="security"),
    path("tokens/", accounts.placeholder, name="tokens"),
]
