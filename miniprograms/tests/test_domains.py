"""Server domains and WAP URLs: the per-line rules, the services (global and per version, the
tenant/merchant rules, the edit grant, skip domain verification) and the runtime index."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from miniprograms.domains import runtime
from miniprograms.domains.models import DomainConfig, DomainEditGrant, DomainVerificationSkip
from miniprograms.domains.selectors import SKIP_KIND, domains_overview
from miniprograms.domains.services import (
    DomainEditNotGranted,
    domain_config_save,
    domain_edit_grant_add,
    domain_edit_grant_revoke,
    domain_restriction_set,
    domain_skip_apply,
    domain_skip_revoke,
)
from miniprograms.domains.validators import MAX_PER_TYPE, clean_list, clean_lists
from miniprograms.tests.hosted import hosted_world
from releases.tests.factories import upload_version
from workspaces.models import ApprovalRequest, AuditEvent
from workspaces.services.approvals import approval_approve, approval_reject

# --- the rules, line by line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "line", "stored"),
    [
        ("request", "https://api.example.com", "https://api.example.com"),
        ("request", "HTTPS://API.Example.COM/", "https://api.example.com"),
        ("request", "https://api.example.com:443", "https://api.example.com"),
        ("request", "https://api.example.com:8443", "https://api.example.com:8443"),
        ("uploadFile", "https://bücher.example", "https://xn--bcher-kva.example"),
        ("downloadFile", "https://cdn-1.example.co.uk", "https://cdn-1.example.co.uk"),
        ("socket", "wss://push.example.com", "wss://push.example.com"),
        ("webview", "https://m.example.com/shop/", "https://m.example.com/shop/"),
        ("webview", "https://m.example.com", "https://m.example.com"),
        ("request", ".*", ".*"),
    ],
)
def test_a_good_entry_is_stored_in_its_canonical_form(kind, line, stored):
    assert clean_list(line, kind=kind) == [stored]


@pytest.mark.parametrize(
    ("kind", "line", "problem"),
    [
        ("request", "http://api.example.com", "must use https://, not http://"),
        ("request", "api.example.com", "must start with https://"),
        ("socket", "https://push.example.com", "must use wss://, not https://"),
        ("request", "wss://push.example.com", "must use https://, not wss://"),
        ("request", "https://10.0.0.1", "is an IP address"),
        ("request", "https://[::1]", "is an IP address"),
        ("request", "https://localhost", "points at localhost"),
        ("request", "https://app.localhost", "points at localhost"),
        ("request", "https://intranet", "without a domain"),
        ("request", "https://api.example.com/v1", "without a path"),
        ("request", "https://api.example.com?x=1", "must not have a query"),
        ("webview", "https://m.example.com/a?x=1", "must not have a query"),
        ("webview", "https://m.example.com/#top", "must not have a fragment"),
        ("request", "https://user:pw@api.example.com", "user name or password"),
        ("request", "https://api.example.com:0", "port that is not a number"),
        ("request", "https://api.example.com:70000", "port that is not a number"),
        ("request", "https://api.example.com:https", "port that is not a number"),
        ("request", "https://-bad.example.com", "not valid"),
        ("request", "https://under_score.example.com", "not valid"),
        ("request", "https://api.example.com extra", "contains spaces"),
    ],
)
def test_a_bad_entry_is_refused_with_its_line_and_why(kind, line, problem):
    with pytest.raises(ValidationError) as exc:
        ok = "wss://ok.example.com" if kind == "socket" else "https://ok.example.com"
        clean_list(f"{ok}\n\n{line}", kind=kind)
    [message] = exc.value.messages
    assert message.startswith("Line 3: ")
    assert problem in message


def test_every_bad_line_is_reported_and_nothing_is_kept():
    text = "https://ok.example.com\nhttp://a.example.com\nhttps://127.0.0.1\nhttps://b.example.com"
    with pytest.raises(ValidationError) as exc:
        clean_list(text, kind="request")
    assert [m[:7] for m in exc.value.messages] == ["Line 2:", "Line 3:"]


def test_duplicates_collapse_keeping_the_first_spelling_in_order():
    text = "https://b.example.com\nhttps://A.example.com\nhttps://b.example.com:443\nhttps://a.example.com/"
    assert clean_list(text, kind="request") == ["https://b.example.com", "https://a.example.com"]


def test_the_wildcard_allows_everything_and_replaces_the_list():
    assert clean_list("https://a.example.com\n.*", kind="webview") == [".*"]


def test_at_most_200_per_type_counted_after_collapsing():
    many = "\n".join(f"https://h{i}.example.com" for i in range(MAX_PER_TYPE))
    assert len(clean_list(many + "\nhttps://h0.example.com", kind="request")) == MAX_PER_TYPE
    with pytest.raises(ValidationError, match="At most 200"):
        clean_list(many + "\nhttps://one-more.example.com", kind="request")


def test_lists_are_all_or_nothing_across_types():
    with pytest.raises(ValidationError) as exc:
        clean_lists({"request": "https://a.example.com", "socket": "https://s.example.com"})
    assert set(exc.value.error_dict) == {"socket"}


# --- saving: global and per version --------------------------------------------------------------


@pytest.fixture
def world(db):
    return hosted_world()


def _owner(world):
    return world.team["owner"]


def test_a_save_stores_the_lists_audits_and_moves_the_runtime(world, monkeypatch):
    calls = []
    monkeypatch.setattr("miniprograms.domains.services.runtime_changed", lambda: calls.append(1))
    row = domain_config_save(
        actor=_owner(world),
        miniprogram=world.own,
        lists={"request": "https://api.acme.test\nhttps://API.acme.test", "webview": ".*"},
    )
    assert row.request == ["https://api.acme.test"]
    assert row.webview == [".*"]
    event = AuditEvent.objects.get(verb="miniprogram.domains_update")
    assert event.before["request"] == [] and event.after["request"] == ["https://api.acme.test"]
    assert calls == [1]
    # The same lists again: nothing written.
    domain_config_save(
        actor=_owner(world),
        miniprogram=world.own,
        lists={"request": "https://api.acme.test", "webview": ".*"},
    )
    assert AuditEvent.objects.filter(verb="miniprogram.domains_update").count() == 1
    assert calls == [1]


def test_a_bad_line_stores_nothing(world):
    domain_config_save(
        actor=_owner(world), miniprogram=world.own, lists={"request": "https://a.acme.test"}
    )
    with pytest.raises(ValidationError) as exc:
        domain_config_save(
            actor=_owner(world),
            miniprogram=world.own,
            lists={"request": "https://b.acme.test", "socket": "wss://localhost"},
        )
    assert exc.value.error_dict["socket"][0].messages == [
        "Line 1: wss://localhost points at localhost; use a public host name."
    ]
    assert DomainConfig.objects.get(miniprogram=world.own).request == ["https://a.acme.test"]


def test_per_version_wins_for_that_version_and_empty_lists_fall_back(world):
    coffee = world.coffee
    DomainEditGrant.objects.create(tenant=world.tenant, miniprogram=coffee)
    upload_version(world.merchant_owner, coffee, "1.1.0")
    owner = world.merchant_owner
    domain_config_save(
        actor=owner,
        miniprogram=coffee,
        lists={"request": "https://api.blue.test", "socket": "wss://push.blue.test"},
    )
    domain_config_save(
        actor=owner, miniprogram=coffee, version="1.1.0", lists={"request": "https://v2.blue.test"}
    )
    overview = domains_overview(miniprogram=coffee)
    by_number = {v.number: v for v in overview.versions}
    assert [v.number for v in overview.versions] == ["1.1.0", "1.0.0"]
    assert by_number["1.1.0"].lists["request"] == ["https://v2.blue.test"]
    assert by_number["1.1.0"].sources["request"] == "version"
    assert by_number["1.1.0"].lists["socket"] == ["wss://push.blue.test"]
    assert by_number["1.1.0"].sources["socket"] == "global"
    assert by_number["1.0.0"].lists["request"] == ["https://api.blue.test"]
    answer = runtime.index(miniprogram_ids=[coffee.pk])
    assert answer(coffee.pk, world.wallet.pk, "1.1.0")["request"] == ["https://v2.blue.test"]
    assert answer(coffee.pk, world.wallet.pk, "1.0.0")["request"] == ["https://api.blue.test"]
    # Emptying the version's lists removes its configuration.
    assert domain_config_save(actor=owner, miniprogram=coffee, version="1.1.0", lists={}) is None
    assert not DomainConfig.objects.filter(miniprogram=coffee, version="1.1.0").exists()


def test_a_version_the_mini_program_does_not_have_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        domain_config_save(
            actor=_owner(world), miniprogram=world.own, version="9.9.9", lists={"request": ".*"}
        )
    assert "has no version 9.9.9" in exc.value.error_dict["version"][0].messages[0]
    with pytest.raises(ValidationError):
        domain_config_save(
            actor=_owner(world), miniprogram=world.own, version="1.x", lists={"request": ".*"}
        )


# --- tenant and merchant rules -----------------------------------------------------------------


def test_a_tenant_mini_program_calls_anything_until_an_admin_restricts_it(world):
    own = world.own
    domain_config_save(
        actor=_owner(world), miniprogram=own, lists={"request": "https://a.acme.test"}
    )
    answer = runtime.index(miniprogram_ids=[own.pk])(own.pk, world.wallet.pk, "1.0.0")
    assert answer["any"] is True and answer["request"] == ["https://a.acme.test"]
    assert domain_restriction_set(actor=world.team["admin"], miniprogram=own, restricted=True)
    answer = runtime.index(miniprogram_ids=[own.pk])(own.pk, world.wallet.pk, "1.0.0")
    assert answer["any"] is False
    assert AuditEvent.objects.filter(verb="miniprogram.domains_restrict").count() == 1
    # Again: a no-op.
    assert not domain_restriction_set(actor=world.team["admin"], miniprogram=own, restricted=True)
    assert domain_restriction_set(actor=world.team["owner"], miniprogram=own, restricted=False)
    assert runtime.index(miniprogram_ids=[own.pk])(own.pk, world.wallet.pk, "1.0.0")["any"]


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_owner_and_admin_restrict(world, role):
    with pytest.raises(PermissionDenied):
        domain_restriction_set(actor=world.team[role], miniprogram=world.own, restricted=True)


def test_a_merchant_mini_program_cannot_be_unrestricted(world):
    with pytest.raises(PermissionDenied):  # not the tenant's own mini program
        domain_restriction_set(
            actor=world.team["owner"], miniprogram=world.coffee, restricted=False
        )


def test_a_merchant_edits_only_once_the_tenant_grants_and_until_it_revokes(world):
    coffee, dev = world.coffee, world.merchant_developer
    with pytest.raises(DomainEditNotGranted, match="Acme Super App has not allowed"):
        domain_config_save(actor=dev, miniprogram=coffee, lists={"request": "https://a.blue.test"})
    assert domains_overview(miniprogram=coffee).can_edit_lists is False
    grant = domain_edit_grant_add(actor=world.team["admin"], developer_workspace_slug="blue")
    assert (
        domain_edit_grant_add(actor=world.team["owner"], developer_workspace_slug="blue") == grant
    )
    domain_config_save(actor=dev, miniprogram=coffee, lists={"request": "https://a.blue.test"})
    answer = runtime.index(miniprogram_ids=[coffee.pk])(coffee.pk, world.wallet.pk, "1.0.0")
    assert answer == {
        "any": False,
        "request": ["https://a.blue.test"],
        "uploadFile": [],
        "downloadFile": [],
        "socket": [],
        "webview": [],
    }
    domain_edit_grant_revoke(actor=world.team["admin"], grant_id=grant.pk)
    with pytest.raises(DomainEditNotGranted):
        domain_config_save(actor=dev, miniprogram=coffee, lists={"request": "https://b.blue.test"})
    verbs = list(AuditEvent.objects.filter(workspace=world.tenant).values_list("verb", flat=True))
    assert "domain_edit_grant.add" in verbs and "domain_edit_grant.revoke" in verbs


def test_a_grant_on_one_mini_program(world):
    grant = domain_edit_grant_add(actor=world.team["owner"], app_id=world.coffee.app_id)
    assert grant.miniprogram == world.coffee
    domain_config_save(
        actor=world.merchant_owner,
        miniprogram=world.coffee,
        lists={"request": "https://a.blue.test"},
    )


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_the_tenants_owner_and_admin_grant(world, role):
    with pytest.raises(PermissionDenied):
        domain_edit_grant_add(actor=world.team[role], developer_workspace_slug="blue")


def test_a_tenant_grants_only_its_own_developer_workspaces(world):
    with pytest.raises(ValidationError):
        domain_edit_grant_add(actor=world.zenith_owner, developer_workspace_slug="blue")
    with pytest.raises(ValidationError):
        domain_edit_grant_add(actor=world.zenith_owner, app_id=world.coffee.app_id)
    with pytest.raises(ValidationError):  # a tenant mini program needs no grant
        domain_edit_grant_add(actor=world.team["owner"], app_id=world.own.app_id)
    # Revoking another tenant's grant is a no-op.
    grant = domain_edit_grant_add(actor=world.team["owner"], developer_workspace_slug="blue")
    domain_edit_grant_revoke(actor=world.zenith_owner, grant_id=grant.pk)
    assert DomainEditGrant.objects.filter(pk=grant.pk).exists()


def test_an_unassigned_developer_cannot_save(world):
    with pytest.raises(PermissionDenied):
        domain_config_save(
            actor=world.team["developer"], miniprogram=world.own, lists={"request": ".*"}
        )


# --- skip domain verification ----------------------------------------------------------------


def test_skip_verification_through_the_hub_then_revoked(world):
    coffee = world.coffee
    request = domain_skip_apply(
        actor=world.merchant_developer,
        miniprogram=coffee,
        host_app_id=world.wallet.pk,
        reason="Our payment partner rotates its API hosts weekly.",
    )
    assert request.kind == SKIP_KIND and request.deciding_workspace == world.tenant
    index = runtime.index(miniprogram_ids=[coffee.pk])
    assert index(coffee.pk, world.wallet.pk, "1.0.0")["any"] is False
    with pytest.raises(ValidationError, match="already waiting"):
        domain_skip_apply(
            actor=world.merchant_owner, miniprogram=coffee, host_app_id=world.wallet.pk, reason="x"
        )
    approval_approve(actor=world.team["reviewer"], request_id=request.pk)
    skip = DomainVerificationSkip.objects.get(miniprogram=coffee, host_app=world.wallet)
    assert skip.approved_by == world.team["reviewer"].user
    index = runtime.index(miniprogram_ids=[coffee.pk])
    assert index(coffee.pk, world.wallet.pk, "1.0.0")["any"] is True
    assert index(coffee.pk, world.lite.pk, "1.0.0")["any"] is False  # that host app only
    domain_skip_revoke(actor=world.team["admin"], skip_id=skip.pk)
    index = runtime.index(miniprogram_ids=[coffee.pk])
    assert index(coffee.pk, world.wallet.pk, "1.0.0")["any"] is False
    assert AuditEvent.objects.filter(verb="miniprogram.domain_skip_revoke").exists()


def test_a_rejected_skip_changes_nothing_and_can_be_asked_again(world):
    coffee = world.coffee
    request = domain_skip_apply(
        actor=world.merchant_owner, miniprogram=coffee, host_app_id=world.wallet.pk, reason="Why"
    )
    approval_reject(actor=world.team["admin"], request_id=request.pk, reason="List them.")
    assert not DomainVerificationSkip.objects.exists()
    assert request.__class__.objects.get(pk=request.pk).state == ApprovalRequest.State.REJECTED
    domain_skip_apply(
        actor=world.merchant_owner, miniprogram=coffee, host_app_id=world.wallet.pk, reason="Again"
    )


def test_skip_needs_a_reason_a_target_host_app_and_a_merchant_mini_program(world):
    with pytest.raises(ValidationError) as exc:
        domain_skip_apply(
            actor=world.merchant_owner,
            miniprogram=world.coffee,
            host_app_id=world.wallet.pk,
            reason=" ",
        )
    assert "reason" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        domain_skip_apply(
            actor=world.merchant_owner,
            miniprogram=world.coffee,
            host_app_id=world.lite.pk,
            reason="x",
        )
    assert "host_app" in exc.value.error_dict
    with pytest.raises(ValidationError, match="tenant mini program"):
        domain_skip_apply(
            actor=world.team["owner"],
            miniprogram=world.own,
            host_app_id=world.wallet.pk,
            reason="x",
        )


def test_another_tenant_cannot_revoke_a_skip(world):
    skip = DomainVerificationSkip.objects.create(miniprogram=world.coffee, host_app=world.wallet)
    domain_skip_revoke(actor=world.zenith_owner, skip_id=skip.pk)
    assert DomainVerificationSkip.objects.filter(pk=skip.pk).exists()


# --- the runtime index ---------------------------------------------------------------------------


def test_the_index_reads_in_four_queries_and_shares_equal_answers(world, django_assert_num_queries):
    DomainEditGrant.objects.create(tenant=world.tenant, developer_workspace=world.merchant)
    domain_config_save(
        actor=world.merchant_owner,
        miniprogram=world.coffee,
        lists={"request": "https://a.blue.test"},
    )
    ids = [world.own.pk, world.coffee.pk]
    with django_assert_num_queries(4):
        domains = runtime.index(miniprogram_ids=ids)
    with django_assert_num_queries(0):
        first = domains(world.coffee.pk, world.wallet.pk, "1.0.0")
        assert domains(world.coffee.pk, world.wallet.pk, "2.0.0") is first
        assert domains(world.own.pk, world.wallet.pk, "1.0.0") is runtime.ANY
        assert domains(999_999, world.wallet.pk, "1.0.0") is None


def test_a_merchant_mini_program_without_lists_may_call_nothing(world):
    answer = runtime.index(miniprogram_ids=[world.coffee.pk])(
        world.coffee.pk, world.wallet.pk, "1.0.0"
    )
    assert answer is runtime.NONE_ALLOWED and answer["any"] is False


def test_the_wildcard_in_every_list_means_any(world):
    lists = dict.fromkeys(("request", "uploadFile", "downloadFile", "socket", "webview"), ".*")
    domain_restriction_set(actor=_owner(world), miniprogram=world.own, restricted=True)
    domain_config_save(actor=_owner(world), miniprogram=world.own, lists=lists)
    answer = runtime.index(miniprogram_ids=[world.own.pk])(world.own.pk, world.wallet.pk, "1.0.0")
    assert answer["any"] is True


def test_an_application_and_its_decision_are_announced(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from workspaces.models import WebhookDelivery
    from workspaces.services.webhooks import webhook_endpoint_create

    webhook_endpoint_create(
        actor=world.team["owner"], url="https://93.184.216.34/hook", events=["approval.requested"]
    )
    webhook_endpoint_create(
        actor=world.merchant_owner, url="https://93.184.216.34/blue", events=["approval.decided"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = domain_skip_apply(
            actor=world.merchant_developer,
            miniprogram=world.coffee,
            host_app_id=world.wallet.pk,
            reason="Rotating partner hosts.",
        )
    [delivery] = WebhookDelivery.objects.filter(workspace=world.tenant)
    assert delivery.event == "approval.requested"
    assert delivery.payload["data"]["kind"] == SKIP_KIND
    to = sorted(address for message in mailoutbox for address in message.to)
    assert to == ["admin@acme.test", "owner@acme.test", "reviewer@acme.test"]
    assert "Rotating partner hosts." in mailoutbox[0].body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_reject(actor=world.team["reviewer"], request_id=request.pk, reason="List them.")
    [decided] = WebhookDelivery.objects.filter(workspace=world.merchant)
    assert decided.event == "approval.decided"
    assert decided.payload["data"]["state"] == "rejected"
    [message] = mailoutbox
    assert message.to == ["secret-dev@blue.test"] and "List them." in message.body
    assert message.subject.startswith("Rejected: Blue Bottle Order")


def test_seed_demo_holds_domains_and_a_grant_once(db, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", stdout=StringIO())
    rows = {(c.miniprogram.name, c.version): c for c in DomainConfig.objects.all()}
    assert set(rows) == {
        ("Acme Mall", ""),
        ("Blue Bottle Order Ahead", ""),
        ("Blue Bottle Order Ahead", "1.0.0"),
    }
    assert rows[("Acme Mall", "")].socket == ["wss://push.acme-mall.example"]
    [grant] = DomainEditGrant.objects.select_related("tenant", "developer_workspace")
    assert (grant.tenant.slug, grant.developer_workspace.slug) == ("acme", "bluebottle")
    assert AuditEvent.objects.filter(verb="miniprogram.domains_update").count() == 3


def test_the_audit_log_words_every_domains_event(world):
    from workspaces.auditlog import audit_sentence

    domain_config_save(actor=_owner(world), miniprogram=world.own, lists={"request": ".*"})
    domain_restriction_set(actor=_owner(world), miniprogram=world.own, restricted=True)
    grant = domain_edit_grant_add(actor=_owner(world), developer_workspace_slug="blue")
    domain_edit_grant_revoke(actor=_owner(world), grant_id=grant.pk)
    skip = DomainVerificationSkip.objects.create(miniprogram=world.coffee, host_app=world.wallet)
    domain_skip_revoke(actor=_owner(world), skip_id=skip.pk)
    events = AuditEvent.objects.filter(workspace=world.tenant).select_related("actor", "workspace")
    sentences = {e.verb: audit_sentence(e) for e in events}
    assert sentences["miniprogram.domains_update"].endswith(
        "changed the server domains and WAP URLs of Acme Mall"
    )
    assert sentences["miniprogram.domains_restrict"].endswith(
        "restricted Acme Mall to its server domains and WAP URLs"
    )
    assert sentences["domain_edit_grant.add"].endswith(
        "let every mini program of Blue Bottle Coffee edit its server domains"
    )
    assert (
        "stopped every mini program of Blue Bottle Coffee" in sentences["domain_edit_grant.revoke"]
    )
    assert sentences["miniprogram.domain_skip_revoke"].endswith(
        "revoked skipping domain verification for Blue Bottle Order in Acme Wallet"
    )
