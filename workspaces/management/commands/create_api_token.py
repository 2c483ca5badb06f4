"""``manage.py create_api_token <email> --name NAME [--expires-days N]``: issue a token once.

For bootstrapping CI or a fresh install without a browser. The token is printed once and is
not recoverable afterwards (only its keyed hash is stored).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from workspaces.models import User, normalize_email
from workspaces.services.tokens import token_create


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The user's email address.")
        parser.add_argument("--name", required=True, help="What will use the token.")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="Days until the token expires (default: never).",
        )

    def handle(self, *args, email: str, name: str, expires_days: int | None, **options) -> None:
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user with the email address {email!r}.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            token, raw = token_create(user=user, name=name, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)
        expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "never expires"
        self.stderr.write(
            f"Created API token “{token.name}” (mpp_{token.prefix}_…) for {user.email}; "
            f"{expiry}. It cannot be shown again: store it now."
        )
