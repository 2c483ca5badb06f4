"""Account pages under ``/accounts/`` (sign-in, 2FA, password, profile, API tokens)."""

from django.urls import path

from workspaces.views import accounts, tokens

app_name = "accounts"

urlpatterns = [
    # --- sign-in, 2FA, password, profile (workspaces/views/accounts.py) ---
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("login/2fa/", accounts.SignInTwoFactorView.as_view(), name="login-2fa"),
    path("login/2fa/cancel/", accounts.SignInCancelView.as_view(), name="login-2fa-cancel"),
    path("logout/", accounts.SignOutView.as_view(), name="logout"),
    path("profile/", accounts.ProfileView.as_view(), name="profile"),
    path("security/", accounts.SecurityView.as_view(), name="security"),
    path("security/2fa/setup/", accounts.TwoFactorSetupView.as_view(), name="2fa-setup"),
    path("security/2fa/enable/", accounts.TwoFactorEnableView.as_view(), name="2fa-enable"),
    path(
        "security/2fa/recovery-codes/",
        accounts.RecoveryCodesView.as_view(),
        name="2fa-recovery-codes",
    ),
    path("security/2fa/disable/", accounts.TwoFactorDisableView.as_view(), name="2fa-disable"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    # --- personal API tokens (workspaces/views/tokens.py) ---
    path("tokens/", tokens.TokensView.as_view(), name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.TokenRevokeView.as_view(), name="token-revoke"),
]
