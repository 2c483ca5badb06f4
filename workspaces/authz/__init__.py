"""The only place access rules are written (STYLE.md §4).

Roles map to capabilities; code checks capabilities, never role names. Capability names are
Django permission strings so the same name can serve django-guardian object grants (a developer
assigned to one mini program, a tester). Grants only ever add access.

One module per concern, every name importable from ``workspaces.authz``:
  - ``capabilities.py``: ``Cap``, the roles → capabilities table, role labels, assignable roles;
  - ``grants.py``: what may be granted on which objects, and reading a member's grants;
  - ``access.py``: ``has_cap``, ``require``, ``caps_for``, ``access_workspace``;
  - ``sides.py``: across workspaces (a tenant reading a merchant's mini program, the two sides of
    a request, approval requests).
"""

from __future__ import annotations

from workspaces.authz.access import (
    CapabilityDenied,
    access_workspace,
    caps_for,
    has_cap,
    has_role_cap,
    membership_get,
    require,
)
from workspaces.authz.capabilities import (
    CAP_DESCRIPTIONS,
    CAP_KINDS,
    ROLE_CAPS,
    ROLES_BY_KIND,
    Cap,
    Kind,
    Role,
    assignable_role_choices,
    assignable_roles,
    check_assignable_role,
    role_label,
    roles_lacking_any,
    roles_with,
)
from workspaces.authz.grants import (
    GRANT_IMPLIES,
    GRANTABLE,
    codename,
    forget_object_grants,
    grant_cap,
    grant_model,
    grantable_caps,
    granted_codenames,
    object_grants,
    useful_grants,
    workspace_id_of,
)
from workspaces.authz.sides import (
    HOST_CAPS,
    CrossWorkspaceRequest,
    Side,
    access_approval_request,
    approval_request_on_side,
    has_cap_as_host,
    request_side,
    request_sides,
)

__all__ = [
    "CAP_DESCRIPTIONS",
    "CAP_KINDS",
    "GRANTABLE",
    "GRANT_IMPLIES",
    "HOST_CAPS",
    "ROLES_BY_KIND",
    "ROLE_CAPS",
    "Cap",
    "CapabilityDenied",
    "CrossWorkspaceRequest",
    "Kind",
    "Role",
    "Side",
    "access_approval_request",
    "access_workspace",
    "approval_request_on_side",
    "assignable_role_choices",
    "assignable_roles",
    "caps_for",
    "check_assignable_role",
    "codename",
    "forget_object_grants",
    "grant_cap",
    "grant_model",
    "grantable_caps",
    "granted_codenames",
    "has_cap",
    "has_cap_as_host",
    "has_role_cap",
    "membership_get",
    "object_grants",
    "request_side",
    "request_sides",
    "require",
    "role_label",
    "roles_lacking_any",
    "roles_with",
    "useful_grants",
    "workspace_id_of",
]
