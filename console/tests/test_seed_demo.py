from io import StringIO

import pytest
from django.core.management import call_command

from console import demo
from workspaces.models import AuditEvent, Membership, User, Workspace


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_role_and_kind():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (User.objects.count(), Workspace.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (User.objects.count(), Workspace.objects.count(), Membership.objects.count()) == counts

    assert Workspace.objects.filter(kind="tenant").count() == 2
    assert Workspace.objects.filter(kind="developer", tenant__isnull=False).count() == 2
    assert set(Membership.objects.values_list("role", flat=True)) == {
        "owner",
        "admin",
        "reviewer",
        "developer",
    }
    for spec in demo.USERS:
        assert User.objects.get(email=spec.email).check_password(demo.DEMO_PASSWORD)
        assert spec.email in out.getvalue()
    assert AuditEvent.objects.filter(verb="workspace.create").count() == 4


@pytest.mark.django_db
def test_seed_demo_refuses_production_settings(settings):
    settings.MPP_ENVIRONMENT = "production"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()
