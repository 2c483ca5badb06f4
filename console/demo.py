"""The demo data set that ``make run`` loads: two workspaces of each kind, a user per role.

Kept as data so the README, the terminal output of ``seed_demo`` and the tests agree.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "mpp-demo-2026"  # noqa: S105 - published on purpose; seed_demo refuses production


@dataclass(frozen=True)
class DemoWorkspace:
    slug: str
    name: str
    kind: str
    owner: str
    tenant: str | None = None


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    memberships: tuple[tuple[str, str], ...]  # (workspace slug, role) other than ownership


USERS: tuple[DemoUser, ...] = (
    DemoUser("owner@example.com", "Olivia Owner", ()),
    DemoUser("admin@example.com", "Adam Admin", (("acme", "admin"),)),
    DemoUser("reviewer@example.com", "Rita Reviewer", (("acme", "reviewer"),)),
    DemoUser("developer@example.com", "Dev Developer", (("acme", "developer"),)),
    DemoUser("merchant@example.com", "Mia Merchant", ()),
    DemoUser("merchant-dev@example.com", "Max Merchant-Dev", (("bluebottle", "developer"),)),
    DemoUser("globex@example.com", "Grace Globex", ()),
    DemoUser("initech@example.com", "Ian Initech", (("initech", "admin"),)),
)

WORKSPACES: tuple[DemoWorkspace, ...] = (
    DemoWorkspace("acme", "Acme Super App", "tenant", "owner@example.com"),
    DemoWorkspace("globex", "Globex Wallet", "tenant", "globex@example.com"),
    DemoWorkspace("bluebottle", "Blue Bottle Coffee", "developer", "merchant@example.com", "acme"),
    DemoWorkspace("initech", "Initech Studio", "developer", "globex@example.com", "globex"),
)
