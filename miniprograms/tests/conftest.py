"""Fixtures shared by the miniprograms tests.

``tenant``, ``owner``, ``admin`` and ``mp`` come from the project's conftest.py.
"""

from __future__ import annotations

import pytest

from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def developer(tenant):
    """A Developer of ``tenant`` (dana@acme.test), assigned to no mini program."""
    return MembershipFactory(
        workspace=tenant, role="developer", user=UserFactory(email="dana@acme.test")
    )


@pytest.fixture
def host_apps(admin):
    """Two host apps of the tenant: Acme Pay and Acme Wallet (in name order)."""
    return [
        host_app_create(actor=admin, name=name, platforms={"android": f"com.acme.{i}"})[0]
        for i, name in enumerate(("Acme Pay", "Acme Wallet"))
    ]
