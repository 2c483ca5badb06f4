"""Forms of the mini program pages (input shape and per-field rules only).

``profile``: the profile form, with ``language_rows`` (its extra languages), ``industry`` (the
searchable industry field), ``text`` (line breaks, counters) and ``logo_hold`` (a chosen logo
kept across a refused submit); ``host_apps``: "Release to"; ``lifecycle``: shelf,
offline, delete; ``members``: Developers, testers, the quick start's members step;
``filters``: the list filters (a workspace's list, the all-teams list, testers).
"""

from miniprograms.forms.filters import (
    AllTeamsFilterForm,
    HostedFilterForm,
    MiniProgramFilterForm,
    TesterFilterForm,
)
from miniprograms.forms.host_apps import HostAppsForm
from miniprograms.forms.lifecycle import DeleteForm, OfflineForm, ShelfForm
from miniprograms.forms.members import (
    DeveloperAssignForm,
    TestersAddForm,
    WizardMembersForm,
    invite_roles,
)
from miniprograms.forms.profile import ProfileForm

__all__ = [
    "AllTeamsFilterForm",
    "DeleteForm",
    "DeveloperAssignForm",
    "HostAppsForm",
    "HostedFilterForm",
    "MiniProgramFilterForm",
    "OfflineForm",
    "ProfileForm",
    "ShelfForm",
    "TesterFilterForm",
    "TestersAddForm",
    "WizardMembersForm",
    "invite_roles",
]
