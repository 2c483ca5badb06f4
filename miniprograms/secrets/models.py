"""Models: a mini program's AppSecret and its OAuth settings, the authCodes the SDK obtains for
a signed-in super-app user, and the accessTokens the merchant's backend exchanges them for
(issue 12). Secrets, codes and tokens are stored only as their keyed hash
(``workspaces.keys.keyed_hash``: HMAC-SHA256 with the server pepper)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["AppSecret", "OAuthAccessToken", "OAuthCode"]

AUTH_CODE_TTL = 600  # seconds: an authCode lives 10 minutes
ACCESS_TOKEN_TTL_DEFAULT = 600  # seconds: 10 minutes unless the mini program says otherwise
ACCESS_TOKEN_TTL_MIN = 60
ACCESS_TOKEN_TTL_MAX = 24 * 3600 - 1  # below 24 hours
USER_ID_MAX = 128
STATES = ["none", "active", "frozen"]  # AppSecret.state (the API's AppSecretStateEnum)


class AppSecret(models.Model):
    """The AppSecret of one mini program (at most one), and its OAuth settings.

    The row exists once anything was configured: ``secret_hash`` is empty until the first
    secret is generated (then the OAuth exchange answers ``secret_not_generated``). A frozen
    secret (``frozen_at``) refuses every exchange until it is unfrozen. Written only by
    ``miniprograms.secrets.services``.
    """

    miniprogram = models.OneToOneField(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="app_secret"
    )
    secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    generated_at = models.DateTimeField(null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    access_token_ttl = models.PositiveIntegerField(
        _("access token lifetime (seconds)"), default=ACCESS_TOKEN_TTL_DEFAULT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(access_token_ttl__gte=ACCESS_TOKEN_TTL_MIN)
                & Q(access_token_ttl__lte=ACCESS_TOKEN_TTL_MAX),
                name="appsecret_token_ttl_below_a_day",
            ),
            # Only a generated secret can be frozen.
            models.CheckConstraint(
                condition=~Q(secret_hash="") | Q(frozen_at__isnull=True),
                name="appsecret_frozen_needs_secret",
            ),
        ]

    def __str__(self) -> str:
        return f"AppSecret of {self.miniprogram_id} ({self.state})"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_hash)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def state(self) -> str:
        """``none`` (never generated), ``active`` or ``frozen``."""
        if not self.has_secret:
            return "none"
        return "frozen" if self.is_frozen else "active"


class OAuthCode(models.Model):
    """An authCode: one signed-in user of one host app, for one mini program; single use, for
    ``AUTH_CODE_TTL`` seconds. ``used_at`` is set by the one exchange that wins it."""

    code_hash = models.CharField(max_length=64, unique=True)
    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="+"
    )
    host_app = models.ForeignKey("workspaces.HostApp", on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=USER_ID_MAX)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="oauth_code_expires")]

    def __str__(self) -> str:
        return f"authCode for {self.miniprogram_id} via {self.host_app_id}"


class OAuthAccessToken(models.Model):
    """An accessToken the merchant's backend holds for one user of one mini program, until
    ``expires_at``. ``open_user_id`` is the mini program's id of that user (stable for the
    user, different in every mini program)."""

    token_hash = models.CharField(max_length=64, unique=True)
    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="+"
    )
    # Null with an empty ``open_user_id``: an app accessToken (the client-credentials grant),
    # which speaks for the mini program's backend, not for one user.
    host_app = models.ForeignKey(
        "workspaces.HostApp", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.OneToOneField(
        OAuthCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_token"
    )
    open_user_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="oauth_token_expires")]

    def __str__(self) -> str:
        return f"accessToken for {self.miniprogram_id}"
