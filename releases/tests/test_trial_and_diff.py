"""Trial version configuration and the package diff."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from miniprograms.tests.factories import create_miniprogram
from releases.models import TrialVersion
from releases.package.diff import diff_packages
from releases.services.trial import trial_clear, trial_configure, version_pages
from releases.services.versions import version_upload
from releases.tests.packages import DEFAULT_FILES, with_files, zip_bytes
from workspaces.models import AuditEvent


@pytest.fixture
def ready(owner, django_capture_on_commit_callbacks):
    mp = create_miniprogram(owner)
    with django_capture_on_commit_callbacks(execute=True):
        version = version_upload(
            actor=owner,
            miniprogram=mp,
            number="1.0.0",
            package=ContentFile(zip_bytes(), name="p.zip"),
        )
    version.refresh_from_db()
    return mp, version


def test_version_pages_lists_main_then_subpackage_pages(ready):
    _mp, version = ready
    assert version_pages(version) == [
        "pages/index/index",
        "pages/cart/index",
        "packageA/pages/detail/index",
    ]


def test_configure_a_trial_version_with_a_page_and_query(owner, ready):
    mp, version = ready
    trial = trial_configure(
        actor=owner,
        miniprogram=mp,
        version=version,
        page_path="/pages/cart/index",
        query="?a=1&b=2",
    )
    assert (trial.page_path, trial.query, trial.launch_path) == (
        "pages/cart/index",
        "a=1&b=2",
        "pages/cart/index?a=1&b=2",
    )
    event = AuditEvent.objects.get(verb="miniprogram.trial_configure")
    assert event.after == {"version": "1.0.0", "page_path": "pages/cart/index", "query": "a=1&b=2"}
    trial_clear(actor=owner, miniprogram=mp)
    assert not TrialVersion.objects.exists()


@pytest.mark.parametrize(
    ("page", "query", "field", "message"),
    [
        ("", "", "page_path", "Enter the page to open, e.g. pages/index/index."),
        ("pages/nope/index", "", "page_path", "“pages/nope/index” is not a page of version 1.0.0"),
        ("pages/index/index", "a=1&&", "query", "“a=1&&” is not a query string like a=1&b=2."),
        ("pages/index/index", "q=" + "x" * 200, "query", "The query is 202 characters"),
        # Echoed raw into launch_path: CR/LF and other control characters are refused.
        ("pages/index/index", "a=1\r\nb=2", "query", "The query contains a line break (U+000D"),
        ("pages/index/index", "a=1\nb=2", "query", "The query contains a line break (U+000A"),
        ("pages/index/index", "a=\x1b[31m", "query", "The query contains an invisible or control"),
        ("pages/index/index", "a=\u202e1", "query", "The query contains an invisible or control"),
    ],
)
def test_bad_trial_pages_and_queries_are_refused(owner, ready, page, query, field, message):
    mp, version = ready
    with pytest.raises(ValidationError) as caught:
        trial_configure(actor=owner, miniprogram=mp, version=version, page_path=page, query=query)
    assert caught.value.message_dict[field][0].startswith(message)
    assert not TrialVersion.objects.exists()


def test_diff_lists_added_removed_changed_and_size_deltas_per_part():
    old = zip_bytes()
    new = zip_bytes(
        with_files(
            {
                "pages/cart/index.js": b"Page({ data: { items: [] } });\n",  # changed
                "pages/index/index.axml": None,  # removed
                "packageA/images/hero.png": b"\x89PNG" + b"\x01" * 100,  # added
            }
        )
    )
    diff = diff_packages(
        io.BytesIO(old), io.BytesIO(new), old_roots=["packageA/"], new_roots=["packageA/"]
    )
    assert [c.path for c in diff.added] == ["packageA/images/hero.png"]
    assert [c.path for c in diff.removed] == ["pages/index/index.axml"]
    assert [c.path for c in diff.changed] == ["pages/cart/index.js"]
    assert diff.unchanged_count == len(DEFAULT_FILES) - 2
    parts = {p["part"]: p for p in diff.parts}
    assert parts["packageA/"]["delta"] == 104
    removed = len(DEFAULT_FILES["pages/index/index.axml"])
    grown = 31 - len(DEFAULT_FILES["pages/cart/index.js"])
    assert parts["main"]["delta"] == grown - removed
    assert diff.total_delta == 104 + grown - removed
