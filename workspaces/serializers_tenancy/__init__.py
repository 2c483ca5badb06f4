"""Input and output shapes of the tenancy API (STYLE.md §3: no saving, no permissions).

Business rules stay in the services; the only rules here are shapes, lengths and choices, plus
the shared upload validators (``validate_logo``, ``validate_favicon``, ``validate_icon``) so a
bad file is reported on its own field, exactly like the console's forms do.

One module per feature, beside the API module of the same name (``workspaces/api_tenancy/``);
this package re-exports their public names, so ``from workspaces.serializers_tenancy import X``
keeps working.
"""

from workspaces.serializers_tenancy.audit import AuditEventSerializer, AuditQuerySerializer
from workspaces.serializers_tenancy.common import (
    ASSIGNABLE_ROLES,
    INVITATION_STATUSES,
    ROLE_CHOICES,
)
from workspaces.serializers_tenancy.developer_workspaces import (
    DeveloperWorkspaceCreateSerializer,
    DeveloperWorkspaceSerializer,
    PendingOwnerInvitationSerializer,
)
from workspaces.serializers_tenancy.grants import (
    GRANT_OBJECT_TYPES,
    GrantCreateSerializer,
    GrantDeleteQuerySerializer,
    GrantObjectSerializer,
    GrantSerializer,
    GrantUserSerializer,
)
from workspaces.serializers_tenancy.hostapps import (
    PLATFORMS,
    HostAppCreateSerializer,
    HostAppSerializer,
    HostAppUpdateSerializer,
    HostAppWithSecretSerializer,
    PlatformsInputSerializer,
    PlatformsSerializer,
)
from workspaces.serializers_tenancy.invitations import (
    InvitationBatchResultSerializer,
    InvitationBatchSerializer,
    InvitationListQuerySerializer,
    InvitationSerializer,
    InviteeSerializer,
)
from workspaces.serializers_tenancy.members import (
    MemberListQuerySerializer,
    MemberSerializer,
    MemberUpdateSerializer,
)
from workspaces.serializers_tenancy.workspaces import (
    WorkspaceCreateSerializer,
    WorkspaceDetailSerializer,
    WorkspaceSerializer,
    WorkspaceSettingsSerializer,
    WorkspaceSettingsUpdateSerializer,
)

__all__ = [
    "ASSIGNABLE_ROLES",
    "GRANT_OBJECT_TYPES",
    "INVITATION_STATUSES",
    "PLATFORMS",
    "ROLE_CHOICES",
    "AuditEventSerializer",
    "AuditQuerySerializer",
    "DeveloperWorkspaceCreateSerializer",
    "DeveloperWorkspaceSerializer",
    "GrantCreateSerializer",
    "GrantDeleteQuerySerializer",
    "GrantObjectSerializer",
    "GrantSerializer",
    "GrantUserSerializer",
    "HostAppCreateSerializer",
    "HostAppSerializer",
    "HostAppUpdateSerializer",
    "HostAppWithSecretSerializer",
    "InvitationBatchResultSerializer",
    "InvitationBatchSerializer",
    "InvitationListQuerySerializer",
    "InvitationSerializer",
    "InviteeSerializer",
    "MemberListQuerySerializer",
    "MemberSerializer",
    "MemberUpdateSerializer",
    "PendingOwnerInvitationSerializer",
    "PlatformsInputSerializer",
    "PlatformsSerializer",
    "WorkspaceCreateSerializer",
    "WorkspaceDetailSerializer",
    "WorkspaceSerializer",
    "WorkspaceSettingsSerializer",
    "WorkspaceSettingsUpdateSerializer",
]
