"""``manage.py seed_demo``: load the demo data set; safe to run any number of times."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from console import demo
from workspaces.authz import role_label
from workspaces.models import Membership, User, Workspace
from workspaces.services.workspaces import membership_add, workspace_create


class Command(BaseCommand):
    help = "Load demo workspaces and one user per role (idempotent). Refused in production."

    def handle(self, *args, **options):
        if settings.MPP_ENVIRONMENT == "production":
            raise CommandError("seed_demo creates accounts with a published password: not here.")
        created = self._seed()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new objects)."))
        self.stdout.write(self.logins_table())

    @transaction.atomic
    def _seed(self) -> int:
        created = 0
        users: dict[str, User] = {}
        for spec in demo.USERS:
            user = User.objects.filter(email=spec.email).first()
            if user is None:
                user = User.objects.create_user(
                    email=spec.email, password=demo.DEMO_PASSWORD, name=spec.name
                )
                created += 1
            users[spec.email] = user
        workspaces: dict[str, Workspace] = {}
        for spec in demo.WORKSPACES:
            workspace = Workspace.objects.filter(slug=spec.slug).first()
            if workspace is None:
                workspace = workspace_create(
                    owner=users[spec.owner],
                    name=spec.name,
                    kind=spec.kind,
                    slug=spec.slug,
                    tenant=workspaces[spec.tenant] if spec.tenant else None,
                )
                created += 1
            workspaces[spec.slug] = workspace
        for spec in demo.USERS:
            for slug, role in spec.memberships:
                if not Membership.objects.filter(
                    user=users[spec.email], workspace=workspaces[slug]
                ).exists():
                    membership_add(workspace=workspaces[slug], user=users[spec.email], role=role)
                    created += 1
        return created

    @staticmethod
    def logins_table() -> str:
        kinds = {w.slug: (w.name, w.kind) for w in demo.WORKSPACES}
        lines = [f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})"]
        for spec in demo.USERS:
            roles = [
                f"Owner of {kinds[w.slug][0]}" for w in demo.WORKSPACES if w.owner == spec.email
            ]
            roles += [
                f"{role_label(role, kinds[slug][1])} in {kinds[slug][0]}"
                for slug, role in spec.memberships
            ]
            lines.append(f"  {spec.email:<28} {'; '.join(roles)}")
        return "\n".join(lines) + "\n"
