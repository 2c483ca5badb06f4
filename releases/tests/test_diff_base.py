"""Which version a diff compares with: one rule (``selectors.version_diff_base``) for the
console's diff page and the API's diff endpoint.

Before the rule was shared, the two agreed on the default (the version just below) but not on a
named version: the console's select only accepted the numbers it offered and otherwise showed,
without a word about it, the diff against the version before, while the API read the name as a
version number (``v1.0.0`` is ``1.0.0``) and refused a version of its own number or a missing
one. So ``?against=v1.0.0`` on 1.2.0 compared with 1.1.0 in the console and with 1.0.0 in the
API, and ``?against=9.9.9`` or ``?against=1.2.0`` showed a diff against 1.1.0 in the console
where the API answered 400.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from miniprograms.tests.factories import create_miniprogram
from releases import selectors
from releases.models import Version
from releases.tests.factories import GOOD, team, upload_version
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import Workspace
from workspaces.tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

BROKEN = zip_bytes(with_files({"pages/cart/index.js": None}))  # its scan fails; still a zip
GROWN = zip_bytes(with_files({"assets/new.txt": b"new\n"}))


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """1.0.0 ready, 1.1.0 whose scan failed, 1.2.0 ready; another mini program with 5.0.0."""
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant, titled=False)
    owner = people["owner"]
    mp = create_miniprogram(owner, name="Acme Shop")
    capture = django_capture_on_commit_callbacks
    versions = {
        number: upload_version(owner, mp, number, data, capture)
        for number, data in (("1.0.0", GOOD), ("1.1.0", BROKEN), ("1.2.0", GROWN))
    }
    other_mp = create_miniprogram(owner, name="Acme Pay")
    upload_version(owner, other_mp, "5.0.0", GOOD)
    return SimpleNamespace(tenant=tenant, owner=owner, mp=mp, versions=versions)


def test_the_default_base_is_the_highest_lower_version_whatever_its_status(world):
    v = world.versions
    assert v["1.1.0"].status == Version.Status.SCAN_FAILED  # the one just below 1.2.0

    assert selectors.version_diff_base(version=v["1.2.0"]) == v["1.1.0"]
    assert selectors.version_diff_base(version=v["1.1.0"], against="  ") == v["1.0.0"]
    assert selectors.version_diff_base(version=v["1.0.0"]) is None  # the first has none


def test_a_named_base_may_be_lower_or_higher_and_is_read_as_a_version_number(world):
    v = world.versions

    assert selectors.version_diff_base(version=v["1.2.0"], against="1.0.0") == v["1.0.0"]
    assert selectors.version_diff_base(version=v["1.0.0"], against="1.2.0") == v["1.2.0"]
    assert selectors.version_diff_base(version=v["1.2.0"], against=" v1.0.0 ") == v["1.0.0"]


@pytest.mark.parametrize(
    ("against", "message"),
    [
        ("1.2.0", "Compare version 1.2.0 with another version."),
        ("9.9.9", "This mini program has no version 9.9.9."),
        ("5.0.0", "This mini program has no version 5.0.0."),  # another mini program's
        (
            "latest",
            "“latest” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers from "
            "0 to 999,999 without leading zeros (e.g. 1.4.0).",
        ),
    ],
)
def test_a_named_base_that_cannot_be_compared_with_is_refused_not_replaced(world, against, message):
    with pytest.raises(ValidationError) as refused:
        selectors.version_diff_base(version=world.versions["1.2.0"], against=against)

    assert refused.value.message_dict == {"against": [message]}


def console_base(client, world, number: str, query: dict[str, str]) -> str | None:
    """The console diff page's answer: the number it compares with, or its refusal."""
    mp = world.mp
    response = client.get(
        reverse("releases:version-diff", args=[mp.workspace.slug, mp.app_id, number]), query
    )
    assert response.status_code == 200
    context = response.context
    if context.get("refusal"):
        assert context["refusal"] in response.content.decode()  # the page says it
        assert "diff" not in context  # and shows no diff against anything else
        return "refused: " + context["refusal"]
    return context["against"].number if context["against"] else None


def api_base(world, number: str, query: dict[str, str]) -> str | None:
    """The API's answer: the number it compares with, or its refusal."""
    api = APIClient()
    api.force_authenticate(world.owner.user)
    mp = world.mp
    response = api.get(
        f"/api/v1/workspaces/{mp.workspace.slug}/miniprograms/{mp.app_id}/versions/{number}/diff",
        query,
    )
    if response.status_code == 400:
        (message,) = response.json()["error"]["fields"]["against"]
        if number == "1.0.0" and not query:  # the API's words for "the first version"
            return None
        return "refused: " + message
    assert response.status_code == 200, response.content
    return response.json()["against"]


@pytest.mark.parametrize(
    ("number", "query", "expected"),
    [
        ("1.2.0", {}, "1.1.0"),  # the version just below, although its scan failed
        ("1.1.0", {}, "1.0.0"),
        ("1.0.0", {}, None),  # the first: nothing to compare with
        ("1.2.0", {"against": "1.0.0"}, "1.0.0"),
        ("1.0.0", {"against": "1.2.0"}, "1.2.0"),
        # These three used to differ: the console compared 1.2.0 with 1.1.0 instead.
        ("1.2.0", {"against": "v1.0.0"}, "1.0.0"),
        ("1.2.0", {"against": "9.9.9"}, "refused: This mini program has no version 9.9.9."),
        ("1.2.0", {"against": "1.2.0"}, "refused: Compare version 1.2.0 with another version."),
    ],
)
def test_console_and_api_compare_with_the_same_version(client, world, number, query, expected):
    client.force_login(world.owner.user)

    console = console_base(client, world, number, query)
    api = api_base(world, number, query)

    assert console == api == expected
