"""Which version may be released in grayscale on a target: the service's refusal
(``require_releasable``) and the Releases tab's note (``_create_note``) decide with the one
selector (``grayscale_version_rule``), so, from the same cases, they agree — on whether a task
can start, and on which rule stops it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from miniprograms.tests.factories import create_miniprogram
from releases.grayscale import selectors
from releases.grayscale.services.state import require_releasable
from releases.models import Release, ReleaseTarget
from releases.release.selectors import release_matrix_targets
from releases.tests.test_grayscale_services import approve, online, ready_version
from releases.views.display.grayscale import _create_note
from workspaces.services.hostapps import host_app_create

pytestmark = pytest.mark.django_db


def first_release(owner, shop, wallet):
    """Nothing online; 1.0.0 approved."""
    return approve(owner, ready_version(owner, shop, "1.0.0"), wallet.pk).version


def nothing_at_all(owner, shop, wallet):
    """Nothing online, nothing approved (1.0.0's release there was withdrawn)."""
    release = approve(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    Release.objects.filter(pk=release.pk).update(state=Release.State.WITHDRAWN)
    return release.version


def never_submitted(owner, shop, wallet):
    """1.0.0 online; 1.1.0 ready but never submitted there."""
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    return ready_version(owner, shop, "1.1.0")


def in_review(owner, shop, wallet):
    """1.0.0 online; 1.1.0 submitted and still under review."""
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    release = approve(owner, ready_version(owner, shop, "1.1.0"), wallet.pk)
    Release.objects.filter(pk=release.pk).update(state=Release.State.UNDER_REVIEW)
    return release.version


def approved_higher(owner, shop, wallet):
    """1.0.0 online; 1.1.0 approved: a task can start."""
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    return approve(owner, ready_version(owner, shop, "1.1.0"), wallet.pk).version


def approved_lower(owner, shop, wallet):
    """1.3.0 online (after 1.0.0); 1.2.0 approved afterwards."""
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v12, v13 = ready_version(owner, shop, "1.2.0"), ready_version(owner, shop, "1.3.0")
    online(owner, v13, wallet.pk)
    return approve(owner, v12, wallet.pk).version


CASES = [
    (nothing_at_all, selectors.NOT_APPROVED, "the first release is a full release"),
    (first_release, selectors.FIRST_RELEASE, "the first release is a full release"),
    (never_submitted, selectors.NOT_APPROVED, "submit a version higher than 1.0.0"),
    (in_review, selectors.NOT_APPROVED, "submit a version higher than 1.0.0"),
    (approved_higher, "", ""),
    (approved_lower, selectors.NOT_HIGHER, "is not higher than the online version 1.3.0"),
]


@pytest.fixture
def shop(owner):
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    return create_miniprogram(owner, host_app_ids=[wallet.pk]), wallet


@pytest.mark.parametrize(("build", "code", "advice"), CASES, ids=[c[0].__name__ for c in CASES])
def test_the_service_and_the_tabs_note_agree(owner, shop, build, code, advice):
    mp, wallet = shop
    version = build(owner, mp, wallet)
    [target] = release_matrix_targets(miniprogram=mp)

    # The service: refuses with the rule's code (and its sentence), or lets it through.
    if code:
        with pytest.raises(ValidationError) as caught:
            require_releasable(ReleaseTarget.objects.get(pk=target.pk), version)
        assert caught.value.error_list[0].code == code
    else:
        require_releasable(ReleaseTarget.objects.get(pk=target.pk), version)

    # The tab's note, from the releases the tab loaded: the same rule, with advice.
    rule = selectors.grayscale_target_rule(online=target.online, open_release=target.open_release)
    possible, note = _create_note(target.online, target.open_release)
    assert rule == code
    assert possible is (code == "")
    assert advice in note if advice else note == ""


def test_the_rule_checks_in_order_and_a_version_already_online_is_refused(owner, shop):
    """The pure rule, on versions as the tab has them (no queries)."""
    mp, wallet = shop
    online(owner, ready_version(owner, mp, "1.0.0"), wallet.pk)
    v1 = mp.versions.get(number="1.0.0")
    v2 = ready_version(owner, mp, "1.1.0")
    rule = selectors.grayscale_version_rule
    assert rule(version=v2, approved=False, online=None) == selectors.NOT_APPROVED
    assert rule(version=v2, approved=True, online=None) == selectors.FIRST_RELEASE
    assert rule(version=None, approved=False, online=v1) == selectors.NOT_APPROVED
    assert rule(version=v1, approved=True, online=v1) == selectors.ONLINE
    assert rule(version=v2, approved=True, online=v1) == ""
    assert rule(version=v1, approved=True, online=v2) == selectors.NOT_HIGHER
    approved_again = Release(version=v1, state=Release.State.APPROVED)
    possible, note = _create_note(Release(version=v1, state=Release.State.RELEASED), approved_again)
    assert not possible
    assert note.startswith("Version 1.0.0, approved here, is already online")
