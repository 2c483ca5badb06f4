"""Input and output shapes of the mini programs API (STYLE.md §3: no saving, no permissions).

The profile rules (name width, lengths, logo, phone, email, industry, languages, unique name)
are *not* repeated here: the services apply ``miniprograms.validators`` and report every broken
rule at once, keyed by field, and ``console.api.exception_handler`` turns that into
``error.fields`` — so the API answers in exactly the console's words. Input serializers only
check the shape (types, lists, JSON); a missing profile field reaches the service as "" and is
refused there ("Enter a name.").

By feature: ``industries``, ``language_texts`` (extra languages), ``programs`` (the mini
program itself) and ``members`` (assigned Developers, testers). The names below are re-exported
for existing imports.
"""

from miniprograms.serializers.industries import IndustryQuerySerializer, IndustrySerializer
from miniprograms.serializers.language_texts import (
    LanguageOutSerializer,
    LanguagesField,
    LanguageTextSerializer,
)
from miniprograms.serializers.members import (
    AddTestersResultSerializer,
    AddTestersSerializer,
    DeveloperAssignSerializer,
    DeveloperSerializer,
    MiniProgramTesterQuerySerializer,
    MiniProgramTesterSerializer,
)
from miniprograms.serializers.programs import (
    KINDS,
    PROFILE_KEYS,
    RELEASED_TEXT_KEYS,
    SHELF_STATUSES,
    TARGET_STATUSES,
    DeleteSerializer,
    HostAppTargetSerializer,
    MiniProgramCreateSerializer,
    MiniProgramDetailSerializer,
    MiniProgramListQuerySerializer,
    MiniProgramSerializer,
    MiniProgramUpdateSerializer,
    OfflineSerializer,
    ReleasedProfileSerializer,
    ShelfSerializer,
)

__all__ = [
    "KINDS",
    "PROFILE_KEYS",
    "RELEASED_TEXT_KEYS",
    "SHELF_STATUSES",
    "TARGET_STATUSES",
    "AddTestersResultSerializer",
    "AddTestersSerializer",
    "DeleteSerializer",
    "DeveloperAssignSerializer",
    "DeveloperSerializer",
    "HostAppTargetSerializer",
    "IndustryQuerySerializer",
    "IndustrySerializer",
    "LanguageOutSerializer",
    "LanguageTextSerializer",
    "LanguagesField",
    "MiniProgramCreateSerializer",
    "MiniProgramDetailSerializer",
    "MiniProgramListQuerySerializer",
    "MiniProgramSerializer",
    "MiniProgramTesterQuerySerializer",
    "MiniProgramTesterSerializer",
    "MiniProgramUpdateSerializer",
    "OfflineSerializer",
    "ReleasedProfileSerializer",
    "ShelfSerializer",
]
