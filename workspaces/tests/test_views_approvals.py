"""The approvals hub pages (issue 10): the list with its two boxes, filters and pagination, one
request's page with its decisions, the sidebar's badge, the Overview's card, and the host app's
release settings. Who sees what is the role matrix of each page; the rules themselves are the
services' (test_approvals.py) and the release review's section is releases' (test_review_detail).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from workspaces.extensions import register_approval_kind, unregister_approval_kind
from workspaces.models import ApprovalRequest, AuditEvent, HostApp, Membership, User, Workspace
from workspaces.services.approvals import approval_approve, approval_request_open
from workspaces.services.hostapps import host_app_create, validate_preview_scheme
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

State = ApprovalRequest.State
KIND = "hub_test_review"
OTHER_KIND = "hub_other_review"

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    """Two kinds; the first's hook records (request id, state, actor) — it takes ``actor``."""
    decided: list[tuple[int, str, User | None]] = []

    def on_decided(*, request: ApprovalRequest, state: str, actor: User | None) -> None:
        decided.append((request.pk, state, actor))

    register_approval_kind(KIND, label="Hub test review", on_decided=on_decided)
    register_approval_kind(OTHER_KIND, label="Other review", on_decided=lambda **_: None)
    yield decided
    unregister_approval_kind(KIND)
    unregister_approval_kind(OTHER_KIND)


@pytest.fixture
def tenant() -> Workspace:
    return WorkspaceFactory(kind=Workspace.Kind.TENANT, name="Acme Super App", slug="acme")


@pytest.fixture
def merchant(tenant) -> Workspace:
    return WorkspaceFactory(
        kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Coffee", slug="zeta"
    )


@pytest.fixture
def team(tenant, merchant) -> dict[str, Membership]:
    """Everyone the matrices ask: the tenant's four roles, the merchant's submitter (a
    Developer), its Owner and another Developer, and the Owner of an unrelated tenant."""
    people = {
        "owner": MembershipFactory(workspace=tenant, role="owner"),
        "admin": MembershipFactory(workspace=tenant, role="admin"),
        "reviewer": MembershipFactory(workspace=tenant, role="reviewer"),
        "tenant_dev": MembershipFactory(workspace=tenant, role="developer"),
        "submitter": MembershipFactory(
            workspace=merchant, role="developer", user=UserFactory(name="Sam Submitter")
        ),
        "merchant_owner": MembershipFactory(workspace=merchant, role="owner"),
        "merchant_dev": MembershipFactory(workspace=merchant, role="developer"),
        "outsider": MembershipFactory(
            workspace=WorkspaceFactory(kind=Workspace.Kind.TENANT, slug="other"), role="owner"
        ),
    }
    return people


def open_request(
    actor: Membership,
    deciding: Workspace,
    subject: str = "thing:1",
    *,
    kind: str = KIND,
    environment: str = "production",
    host_app: tuple[int, str] = (7, "Acme Wallet"),
    summary: str = "",
) -> ApprovalRequest:
    return approval_request_open(
        actor=actor,
        kind=kind,
        deciding_workspace=deciding,
        subject_key=subject,
        summary=summary or f"Zeta Order Ahead for {subject}",
        notes="Adds the loyalty card.",
        payload={
            "environment": environment,
            "host_app_id": host_app[0],
            "host_app": host_app[1],
        },
    )


def hub(workspace: Workspace, **query: str) -> str:
    url = reverse("workspaces:approvals", args=[workspace.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page(workspace: Workspace, request: ApprovalRequest, action: str = "") -> str:
    name = f"workspaces:approval-{action}" if action else "workspaces:approval"
    return reverse(name, args=[workspace.slug, request.pk])


def body_of(response) -> str:
    return response.content.decode()


def rows_of(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-approval-row="(\d+)"', body)]


# --- the hub: boxes, role matrix --------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin", "reviewer"])
def test_tenant_deciders_find_the_merchants_request_to_decide(client, kinds, tenant, team, who):
    request = open_request(team["submitter"], tenant)
    client.force_login(team[who].user)

    response = client.get(hub(tenant))

    body = body_of(response)
    assert response.status_code == 200
    assert 'data-tab="to_decide" aria-current' not in body  # the attribute order is href first
    assert re.search(r'aria-current="page" data-tab="to_decide"', body)
    assert rows_of(body) == [request.pk]
    assert "Zeta Coffee" in body and "Acme Super App" in body and "Hub test review" in body
    assert 'data-approval-state="processing">In review<' in body
    assert "badge-blue" in body and ">Sam<" in body


def test_a_tenant_developer_has_no_box_to_decide_only_its_workspace_requests(
    client, kinds, tenant, team
):
    open_request(team["submitter"], tenant)
    client.force_login(team["tenant_dev"].user)

    body = body_of(client.get(hub(tenant, box="to_decide")))

    assert 'data-tab="to_decide"' not in body
    assert re.search(r'aria-current="page" data-tab="requested"', body)
    assert rows_of(body) == []
    assert "No requests yet" in body


@pytest.mark.parametrize("who", ["submitter", "merchant_owner", "merchant_dev"])
def test_merchant_members_see_their_workspace_requests_and_nothing_to_decide(
    client, kinds, tenant, merchant, team, who
):
    request = open_request(team["submitter"], tenant)
    someone_elses = open_request(team["outsider"], team["outsider"].workspace, "thing:9")
    client.force_login(team[who].user)

    body = body_of(client.get(hub(merchant)))

    assert 'data-tab="to_decide"' not in body
    assert rows_of(body) == [request.pk]
    assert someone_elses.pk not in rows_of(body)


def test_mine_only_keeps_the_requests_the_member_submitted(client, kinds, tenant, merchant, team):
    mine = open_request(team["submitter"], tenant, "thing:1")
    open_request(team["merchant_dev"], tenant, "thing:2")
    client.force_login(team["submitter"].user)

    assert len(rows_of(body_of(client.get(hub(merchant, box="requested"))))) == 2
    assert rows_of(body_of(client.get(hub(merchant, box="requested", mine="on")))) == [mine.pk]


def test_the_hub_is_404_to_an_outsider_and_sends_the_anonymous_to_sign_in(client, tenant, team):
    client.force_login(team["outsider"].user)
    assert client.get(hub(tenant)).status_code == 404
    client.logout()
    response = client.get(hub(tenant))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_to_decide_shows_what_is_in_review_unless_another_state_is_chosen(
    client, kinds, tenant, team
):
    waiting = open_request(team["submitter"], tenant, "thing:1")
    decided = open_request(team["submitter"], tenant, "thing:2")
    approval_approve(actor=team["reviewer"], request_id=decided.pk)
    client.force_login(team["reviewer"].user)

    assert rows_of(body_of(client.get(hub(tenant)))) == [waiting.pk]
    assert rows_of(body_of(client.get(hub(tenant, box="to_decide", state="")))) == [
        decided.pk,
        waiting.pk,
    ]
    approved = body_of(client.get(hub(tenant, box="to_decide", state="approved")))
    assert rows_of(approved) == [decided.pk]
    assert 'data-approval-state="approved">Approved<' in approved and "badge-green" in approved


def test_filters_by_environment_host_app_and_kind_from_the_payload_facets(
    client, kinds, tenant, team
):
    wallet_prod = open_request(team["submitter"], tenant, "a", host_app=(7, "Acme Wallet"))
    lite_prod = open_request(team["submitter"], tenant, "b", host_app=(8, "Acme Lite"))
    wallet_sandbox = open_request(
        team["submitter"], tenant, "c", environment="sandbox", host_app=(7, "Acme Wallet")
    )
    other = open_request(team["submitter"], tenant, "d", kind=OTHER_KIND, host_app=(8, "Acme Lite"))
    client.force_login(team["reviewer"].user)

    def listed(**query: str) -> list[int]:
        return rows_of(body_of(client.get(hub(tenant, box="to_decide", **query))))

    assert listed(environment="sandbox") == [wallet_sandbox.pk]
    assert listed(host_app="7") == [wallet_sandbox.pk, wallet_prod.pk]
    assert listed(host_app="8", environment="production") == [other.pk, lite_prod.pk]
    assert listed(kind=OTHER_KIND) == [other.pk]
    assert listed(host_app="8", kind=KIND) == [lite_prod.pk]
    # The selects offer what the box's requests name, by name.
    body = body_of(client.get(hub(tenant)))
    assert re.search(r'<option value="8">Acme Lite</option>\s*<option value="7">Acme Wallet', body)
    assert '<option value="sandbox">Sandbox</option>' in body
    assert f'<option value="{OTHER_KIND}">Other review</option>' in body
    # A value no request names, or nonsense, filters nothing out by mistake and breaks nothing.
    assert listed(host_app="99999999999999999999999", state="bogus") == listed(state="")
    # Nothing matches: the empty state says so and offers to clear.
    empty = body_of(client.get(hub(tenant, box="to_decide", environment="test")))
    assert "No requests match these filters" in empty and 'href="?box=to_decide"' in empty


def test_the_empty_boxes_explain_themselves(client, tenant, merchant, team):
    client.force_login(team["reviewer"].user)
    decide = body_of(client.get(hub(tenant)))
    assert "Nothing waiting for your decision" in decide
    assert "Show decided requests" in decide
    client.force_login(team["submitter"].user)
    assert "No requests yet" in body_of(client.get(hub(merchant)))


def test_the_list_pages_with_its_total(client, kinds, tenant, team, settings):
    settings.PAGE_SIZE = 2
    for i in range(3):
        open_request(team["submitter"], tenant, f"thing:{i}")
    client.force_login(team["reviewer"].user)

    first = body_of(client.get(hub(tenant, box="to_decide")))
    second = body_of(client.get(hub(tenant, box="to_decide", page="2")))

    assert len(rows_of(first)) == 2 and len(rows_of(second)) == 1
    assert "1–2 of 3" in first and "Page 2 of 2" in second
    assert "box=to_decide&amp;page=2" in first  # the other parameters are kept


@pytest.mark.parametrize("rows", [1, 200])
def test_the_hub_costs_the_same_queries_for_one_request_and_two_hundred(
    client, kinds, tenant, team, settings, rows, django_assert_num_queries
):
    """Every row's workspaces, people and state come with the page; the badge is one count."""
    settings.PAGE_SIZE = 200  # all of them on one page
    submitters = [team["submitter"], team["merchant_dev"], team["merchant_owner"]]
    for i in range(rows):
        open_request(submitters[i % 3], tenant, f"thing:{i}", host_app=(i % 4 + 1, f"App {i % 4}"))
    client.force_login(team["reviewer"].user)
    client.get(hub(tenant))  # the session and the user are warm, as for any later page

    # session, user, membership, its grants, facets (2), count, page, the sidebar's badge, the
    # workspace switcher's memberships: the same for one row and two hundred
    with django_assert_num_queries(10):
        response = client.get(hub(tenant))
    assert len(rows_of(body_of(response))) == rows


# --- one request: role matrix, decisions --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "slug", "status", "decides"),
    [
        ("owner", "acme", 200, True),
        ("admin", "acme", 200, True),
        ("reviewer", "acme", 200, True),
        ("tenant_dev", "acme", 403, False),
        ("submitter", "zeta", 200, False),
        ("merchant_owner", "zeta", 200, False),
        ("merchant_dev", "zeta", 200, False),
        ("submitter", "acme", 404, False),  # the other side's slug
        ("outsider", "other", 404, False),  # a request of another tenant under its own slug
        ("outsider", "acme", 404, False),
    ],
)
def test_the_request_page_role_matrix(
    client, kinds, tenant, merchant, team, who, slug, status, decides
):
    request = open_request(team["submitter"], tenant)
    workspace = Workspace.objects.get(slug=slug)
    client.force_login(team[who].user)

    response = client.get(page(workspace, request))

    assert response.status_code == status
    if status == 200:
        body = body_of(response)
        assert request.summary in body and "Adds the loyalty card." in body
        assert ("data-approve" in body) == decides
        assert ("data-reject" in body) == decides
        assert ("data-withdraw" in body) == (who in ("submitter", "merchant_owner"))
    if status == 403:
        assert "Reviewer" in body_of(response)  # the 403 page names the roles that decide


@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [
        ("reviewer", "acme", 302),
        ("admin", "acme", 302),
        ("tenant_dev", "acme", 403),
        ("submitter", "zeta", 404),
        ("merchant_owner", "zeta", 404),
        ("outsider", "other", 404),
        ("outsider", "acme", 404),
    ],
)
@pytest.mark.parametrize(
    ("action", "data", "to"),
    [
        ("approve", {"note": "Looks good."}, State.APPROVED),
        ("reject", {"reason": "Looks good."}, State.REJECTED),
    ],
)
def test_decision_role_matrix(
    client, kinds, tenant, merchant, team, who, slug, status, action, data, to
):
    request = open_request(team["submitter"], tenant)
    client.force_login(team[who].user)

    response = client.post(page(Workspace.objects.get(slug=slug), request, action), data)

    assert response.status_code == status
    request.refresh_from_db()
    assert request.state == (to if status == 302 else State.PROCESSING)
    if status == 302:
        assert response["Location"] == page(tenant, request)
        assert request.reason == "Looks good." and request.decided_by == team[who].user
        followed = body_of(client.get(response["Location"]))
        assert f"{to.label}: Zeta Order Ahead for thing:1." in followed
        assert "data-approve" not in followed  # decided: no form any more


@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [
        ("submitter", "zeta", 302),
        ("merchant_owner", "zeta", 302),  # an Owner/Admin of the requesting workspace
        ("merchant_dev", "zeta", 200),  # refused by the service, with its sentence
        ("reviewer", "acme", 404),  # the deciding side never withdraws
        ("owner", "acme", 404),
        ("outsider", "other", 404),
        ("outsider", "zeta", 404),
    ],
)
def test_withdraw_role_matrix(client, kinds, tenant, merchant, team, who, slug, status):
    request = open_request(team["submitter"], tenant)
    client.force_login(team[who].user)

    response = client.post(page(Workspace.objects.get(slug=slug), request, "withdraw"))

    assert response.status_code == status
    request.refresh_from_db()
    assert (request.state == State.WITHDRAWN) == (status == 302)


def test_reject_needs_a_reason_shown_next_to_the_field_then_records_it(client, kinds, tenant, team):
    request = open_request(team["submitter"], tenant)
    client.force_login(team["reviewer"].user)
    url = page(tenant, request, "reject")

    refused = client.post(url, {"reason": "   "})

    body = body_of(refused)
    assert refused.status_code == 200
    reason_field = body.split('name="reason"')[0].rsplit('<div class="field', 1)[1]
    assert "field-invalid" in reason_field
    assert "Say why the request is rejected: the requester will read it." in body
    request.refresh_from_db()
    assert request.state == State.PROCESSING

    response = client.post(url, {"reason": "The icon is blurry on iOS."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.reason) == (State.REJECTED, "The icon is blurry on iOS.")
    body = body_of(client.get(page(tenant, request)))
    assert 'data-approval-state="rejected">Rejected<' in body and "badge-red" in body
    assert "The icon is blurry on iOS." in body
    assert kinds[-1][:2] == (request.pk, "rejected")


def test_a_refused_decision_keeps_what_was_typed(client, kinds, tenant, team):
    request = open_request(team["submitter"], tenant)
    client.force_login(team["reviewer"].user)
    note = "Checked on both phones. " * 90  # over 2,000 characters

    response = client.post(page(tenant, request, "approve"), {"note": note})

    body = body_of(response)
    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters" in body
    assert note.strip() in body  # the textarea still holds it
    request.refresh_from_db()
    assert request.state == State.PROCESSING


def test_nobody_decides_their_own_request(client, kinds, tenant, team):
    request = open_request(team["admin"], tenant)  # a tenant asking itself
    client.force_login(team["admin"].user)

    body = body_of(client.get(page(tenant, request)))
    assert "data-self-decision" in body and "data-approve" not in body
    assert "You cannot decide a request you submitted." in body

    response = client.post(page(tenant, request, "approve"))

    assert response.status_code == 200
    assert "You cannot decide a request you submitted." in body_of(response)
    request.refresh_from_db()
    assert request.state == State.PROCESSING
    # Another decider of the same tenant can.
    client.force_login(team["reviewer"].user)
    assert client.post(page(tenant, request, "approve")).status_code == 302


def test_a_decided_request_refuses_a_second_decision_with_what_happened(
    client, kinds, tenant, team
):
    request = open_request(team["submitter"], tenant)
    approval_approve(actor=team["owner"], request_id=request.pk)
    client.force_login(team["reviewer"].user)

    response = client.post(page(tenant, request, "reject"), {"reason": "Too late"})

    assert response.status_code == 200
    assert "This request was already approved; it can no longer be changed." in body_of(response)


def test_the_requester_withdraws_and_the_core_passes_who_did_it(
    client, kinds, tenant, merchant, team
):
    request = open_request(team["submitter"], tenant)
    client.force_login(team["reviewer"].user)
    assert client.post(page(tenant, request, "withdraw")).status_code == 404
    client.force_login(team["merchant_dev"].user)  # neither the submitter nor an admin
    refused = client.post(page(merchant, request, "withdraw"))
    assert refused.status_code == 200
    assert "Only the person who submitted this request" in body_of(refused)

    client.force_login(team["submitter"].user)
    response = client.post(page(merchant, request, "withdraw"))

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.WITHDRAWN
    assert kinds == [(request.pk, "withdrawn", team["submitter"].user)]
    event = AuditEvent.objects.get(verb="approval.withdraw")
    assert event.actor == team["submitter"].user
    body = body_of(client.get(response["Location"]))
    assert "Withdrawn: Zeta Order Ahead for thing:1." in body and "badge-neutral" in body


# --- the sidebar's badge and the Overview's card ------------------------------------------------


def test_the_sidebar_counts_what_waits_for_this_decider(client, kinds, tenant, merchant, team):
    open_request(team["submitter"], tenant, "thing:1")
    open_request(team["submitter"], tenant, "thing:2")
    open_request(team["reviewer"], tenant, "thing:3")  # the reviewer's own: not theirs to decide
    approval_approve(
        actor=team["owner"], request_id=open_request(team["submitter"], tenant, "thing:4").pk
    )
    dashboard = reverse("console:dashboard", args=[tenant.slug])

    def badge(who: str, url: str) -> str | None:
        client.force_login(team[who].user)
        found = re.search(
            r"data-approvals-waiting>.*?</span>(\d+)</span>", body_of(client.get(url))
        )
        return found.group(1) if found else None

    assert badge("reviewer", dashboard) == "2"
    assert badge("owner", dashboard) == "3"
    assert badge("tenant_dev", dashboard) is None
    assert badge("submitter", reverse("console:dashboard", args=[merchant.slug])) is None
    client.force_login(team["submitter"].user)
    body = body_of(client.get(reverse("console:dashboard", args=[merchant.slug])))
    assert "data-nav-approvals" in body  # everyone follows their requests


def test_the_overview_lists_the_oldest_requests_waiting_for_a_decider(
    client, kinds, tenant, merchant, team
):
    requests = [open_request(team["submitter"], tenant, f"thing:{i}") for i in range(7)]
    client.force_login(team["reviewer"].user)

    body = body_of(client.get(reverse("console:dashboard", args=[tenant.slug])))

    card = body.split("data-approvals-card")[1].split("</section>")[0]
    assert "My pending approvals" in card and '<p class="stat">7</p>' in card
    links = re.findall(r'href="/w/acme/approvals/(\d+)/"', card)
    assert [int(pk) for pk in links] == [r.pk for r in requests[:5]]  # the oldest five, in order


def test_the_overview_says_when_nothing_waits_and_shows_merchants_their_requests(
    client, kinds, tenant, merchant, team
):
    client.force_login(team["reviewer"].user)
    body = body_of(client.get(reverse("console:dashboard", args=[tenant.slug])))
    assert "Nothing waiting for you" in body.split("data-approvals-card")[1]

    request = open_request(team["submitter"], tenant)
    client.force_login(team["merchant_owner"].user)
    card = body_of(client.get(reverse("console:dashboard", args=[merchant.slug])))
    card = card.split("data-approvals-card")[1].split("</section>")[0]
    assert "My requests in review" in card and '<p class="stat">1</p>' in card
    assert f'href="/w/zeta/approvals/{request.pk}/"' in card


# --- the API's facets ---------------------------------------------------------------------------


def test_the_api_list_filters_by_the_payload_facets_and_mine(kinds, tenant, merchant, team):
    wallet = open_request(team["submitter"], tenant, "a", host_app=(7, "Acme Wallet"))
    sandbox = open_request(team["merchant_dev"], tenant, "b", environment="sandbox")
    reviewer, submitter = APIClient(), APIClient()
    reviewer.force_authenticate(team["reviewer"].user)
    submitter.force_authenticate(team["submitter"].user)
    url = f"/api/v1/workspaces/{tenant.slug}/approvals"

    def ids(client, url, **query) -> list[int]:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(reviewer, url, environment="sandbox") == [sandbox.pk]
    assert ids(reviewer, url, host_app=7, environment="production") == [wallet.pk]
    assert ids(reviewer, url, host_app=99) == []
    mine = f"/api/v1/workspaces/{merchant.slug}/approvals"
    assert ids(submitter, mine, box="requested") == [sandbox.pk, wallet.pk]
    assert ids(submitter, mine, box="requested", mine="true") == [wallet.pk]
    assert reviewer.get(url, {"host_app": "x"}).status_code == 400
    assert reviewer.get(url, {"host_app": 10**30}).status_code == 400


# --- host apps: "sandbox releases need review" and the preview link scheme ----------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("acmewallet", "acmewallet"), ("AcmeWallet://", "acmewallet"), ("a1+b-c.d", "a1+b-c.d")],
)
def test_a_preview_scheme_is_a_letter_then_letters_digits_plus_minus_dot(typed, stored):
    assert validate_preview_scheme(typed) == stored
    assert validate_preview_scheme("  ") == ""


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1acme", "starts with a letter"),
        ("acme_wallet", "starts with a letter"),
        ("acme wallet", "starts with a letter"),
        ("a" * 41, "at most 40"),
        ("https", "opens a browser"),
        ("javascript", "opens a browser"),
    ],
)
def test_a_bad_preview_scheme_is_refused_naming_the_rule(typed, words):
    with pytest.raises(Exception) as caught:
        validate_preview_scheme(typed)
    assert words in " ".join(caught.value.message_dict["preview_scheme"])


def test_the_host_app_form_saves_the_release_settings_and_the_detail_shows_them(
    client, tenant, team
):
    app, _secret = host_app_create(actor=team["owner"], name="Acme Wallet", platforms={"ios": "a"})
    assert (app.sandbox_needs_review, app.preview_scheme) == (False, "")  # off by default
    client.force_login(team["admin"].user)
    edit = reverse("workspaces:host-app-edit", args=[tenant.slug, app.pk])
    form = body_of(client.get(edit))
    assert "Sandbox releases need review" in form and "as on Alipay+" in form
    assert "Preview link scheme" in form

    refused = client.post(
        edit, {"name": "Acme Wallet", "platform_ios": "a", "preview_scheme": "9lives"}
    )
    assert refused.status_code == 200
    assert "starts with a letter" in body_of(refused) and 'value="9lives"' in body_of(refused)

    saved = client.post(
        edit,
        {
            "name": "Acme Wallet",
            "platform_ios": "a",
            "preview_scheme": "AcmeWallet",
            "sandbox_needs_review": "on",
        },
    )
    assert saved.status_code == 302
    app.refresh_from_db()
    assert (app.sandbox_needs_review, app.preview_scheme) == (True, "acmewallet")
    detail = body_of(client.get(saved["Location"]))
    assert "acmewallet://preview?app_id=" in detail and "Need review, like production" in detail
    event = AuditEvent.objects.filter(verb="host_app.update").latest("pk")
    assert event.after["preview_scheme"] == "acmewallet" and event.before["preview_scheme"] == ""


def test_the_host_app_api_reads_and_patches_the_release_settings(tenant, team):
    api = APIClient()
    api.force_authenticate(team["owner"].user)
    base = f"/api/v1/workspaces/{tenant.slug}/host-apps"
    created = api.post(
        base,
        {"name": "Acme Lite", "platforms": {"android": "a.l"}, "preview_scheme": "acmelite"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["preview_scheme"], body["sandbox_needs_review"]) == ("acmelite", False)

    patched = api.patch(f"{base}/{body['id']}", {"sandbox_needs_review": True}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["preview_scheme"], patched.json()["sandbox_needs_review"]) == (
        "acmelite",
        True,
    )
    bad = api.patch(f"{base}/{body['id']}", {"preview_scheme": "https"}, format="json")
    assert bad.status_code == 400 and "preview_scheme" in bad.json()["error"]["fields"]
    assert HostApp.objects.get(pk=body["id"]).preview_scheme == "acmelite"
