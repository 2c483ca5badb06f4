"""The mini program lists at a real super app's scale (issue 16): the name search, the rows
printed from precomputed values, the "Assigned to" filter of Developers only."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from miniprograms.forms.filters import LongSelect, MiniProgramFilterForm
from miniprograms.models import MiniProgram, MiniProgramLanguage
from miniprograms.selectors import developer_choices, miniprogram_list, miniprogram_list_for_user
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from miniprograms.views.rows import list_rows
from workspaces.models import Membership
from workspaces.selectors import member_developer_list
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _names(qs) -> list[str]:
    return sorted(mp.name for mp in qs)


@pytest.fixture
def programs(owner):
    mall = create_miniprogram(owner, name="Mega Mall")
    create_miniprogram(owner, name="Coffee Corner")
    texts = create_miniprogram(owner, name="Night Market")
    MiniProgramLanguage.objects.create(
        miniprogram=texts, language="ja", name="ショッピングMALL", tagline="t", description="d"
    )
    return mall, texts


# --- the name search ---------------------------------------------------------------------------


def test_search_matches_a_name_in_any_language_in_any_case(owner, programs):
    assert _names(miniprogram_list(member=owner, search="mall")) == ["Mega Mall", "Night Market"]
    assert _names(miniprogram_list(member=owner, search="CORNER")) == ["Coffee Corner"]
    assert _names(miniprogram_list(member=owner, search="ショッピング")) == ["Night Market"]
    assert _names(miniprogram_list(member=owner, search="nothing like it")) == []


def test_search_by_app_id_prefix_only_for_digits(owner, programs):
    mall, _texts = programs
    assert _names(miniprogram_list(member=owner, search=mall.app_id)) == ["Mega Mall"]
    everyone = _names(miniprogram_list(member=owner, search=mall.app_id[:1]))
    assert "Mega Mall" in everyone


def test_search_never_crosses_into_another_workspace(owner, programs):
    other = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    create_miniprogram(other, name="Other Mall")
    assert _names(miniprogram_list(member=owner, search="mall")) == ["Mega Mall", "Night Market"]
    assert _names(miniprogram_list(member=other, search="mall")) == ["Other Mall"]
    assert _names(miniprogram_list_for_user(user=owner.user, search="mall")) == [
        "Mega Mall",
        "Night Market",
    ]


def test_search_asks_the_database_for_matching_ids_first(owner, programs):
    """PostgreSQL: ``id = ANY(ARRAY(…UNION…))`` (the trigram indexes answer the subqueries);
    SQLite: the same union as ``IN (…)``. Never a join of the language texts."""
    with CaptureQueriesContext(connection) as queries:
        list(miniprogram_list(member=owner, search="mall"))
    sql = queries.captured_queries[0]["sql"]
    assert "UNION" in sql
    assert "miniprogramlanguage" not in sql.split("WHERE", 1)[0]  # not joined: a subquery
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(" in sql
    else:
        assert " IN (" in sql


def test_trigram_indexes_exist_on_postgresql_only():
    with connection.cursor() as cursor:
        names = {
            index
            for table in ("miniprograms_miniprogram", "miniprograms_miniprogramlanguage")
            for index in connection.introspection.get_constraints(cursor, table)
        }
    expected = connection.vendor == "postgresql"
    assert ("miniprogram_name_trgm" in names) is expected
    assert ("miniprogram_language_name_trgm" in names) is expected


# --- rows ----------------------------------------------------------------------------------


def test_rows_link_where_the_url_names_point(owner, programs, settings):
    settings.TIME_ZONE = "UTC"
    mall, _ = programs
    with timezone.override("Asia/Shanghai"):
        (row,) = list_rows([mall], slug_of=lambda mp: mp.workspace.slug)
        local = timezone.localtime(mall.created_at)
    slug = mall.workspace.slug
    assert row.url == reverse("miniprograms:detail", args=[slug, mall.app_id])
    assert row.list_url == reverse("miniprograms:list", args=[slug])
    logo = reverse("miniprograms:logo", args=[slug, mall.app_id])
    assert row.logo_url == f"{logo}?v={int(mall.profile_updated_at.timestamp())}"
    assert row.created_iso == local.isoformat()
    assert row.created_day == local.strftime("%Y-%m-%d")
    assert row.created_utc == mall.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    assert row.initial == "M"


def test_a_row_without_logo_shows_the_initial(owner, programs, client):
    mall, _ = programs
    MiniProgram.objects.filter(pk=mall.pk).update(logo="")
    client.force_login(owner.user)
    body = client.get(reverse("miniprograms:list", args=[mall.workspace.slug])).content.decode()
    assert 'thumb-placeholder" aria-hidden="true">M</span>' in body
    detail = reverse("miniprograms:detail", args=[mall.workspace.slug, mall.app_id])
    assert f'<a href="{detail}"><strong>Mega Mall</strong></a>' in body


def test_list_page_queries_do_not_grow_with_rows_or_developers(
    client, owner, django_assert_max_num_queries
):
    for n in range(12):
        create_miniprogram(owner, name=f"Program {n:02d}")
    for _ in range(8):
        MembershipFactory(workspace=owner.workspace, role="developer")
    client.force_login(owner.user)
    url = reverse("miniprograms:list", args=[owner.workspace.slug])
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    assert body.count('class="copy-button"') == 12


# --- the "Assigned to" filter ----------------------------------------------------------------


def test_assigned_filter_lists_active_developers_only(owner):
    workspace = owner.workspace
    dev = MembershipFactory(workspace=workspace, role="developer", user=UserFactory(name="Dora"))
    MembershipFactory(workspace=workspace, role="developer", status=Membership.Status.BLOCKED)
    MembershipFactory(workspace=workspace, role="admin", user=UserFactory(name="Adam"))
    MembershipFactory(workspace=workspace, role="reviewer")
    with CaptureQueriesContext(connection) as queries:
        developers = list(member_developer_list(workspace=workspace))
    assert developers == [dev]
    assert "'developer'" in queries.captured_queries[0]["sql"]  # filtered in the database

    choices = developer_choices(workspace=workspace)  # the same rows, as values
    assert choices == [(dev.user_id, "Dora")]

    form = MiniProgramFilterForm({}, host_apps=[], developers=choices)
    assert form.fields["assigned"].choices == [("", "Anyone"), (dev.user_id, "Dora")]


def test_assigned_filter_still_filters(owner, client):
    workspace = owner.workspace
    mine = create_miniprogram(owner, name="Assigned One")
    create_miniprogram(owner, name="Not Assigned")
    dev = MembershipFactory(workspace=workspace, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=mine, user_id=dev.user_id)
    client.force_login(owner.user)
    url = reverse("miniprograms:list", args=[workspace.slug])
    response = client.get(url, {"assigned": dev.user_id})
    assert [mp.name for mp in response.context["miniprograms"]] == ["Assigned One"]
    assert f'<option value="{dev.user_id}" selected>' in response.content.decode()


def _options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html
        )
    ]


@pytest.mark.parametrize("value", ["", "3", None, 3])
def test_long_select_writes_what_djangos_select_writes(value):
    choices = [("", "Anyone"), *((n, f"Dev <{n}> & co") for n in range(5))]
    attrs = {"id": "id_assigned", "aria-describedby": "help"}
    django_html = forms.Select(choices=choices).render("assigned", value, attrs=attrs)
    ours = LongSelect(choices=choices).render("assigned", value, attrs=attrs)
    assert _options(ours) == _options(django_html)
    assert ours.startswith('<select name="assigned"')
    assert 'id="id_assigned"' in ours
    assert 'aria-describedby="help"' in ours
    assert "Dev &lt;1&gt; &amp; co" in ours  # escaped


# --- the API list ------------------------------------------------------------------------------


def test_api_list_answers_what_the_generic_serializer_answers(owner, client):
    from rest_framework.test import APIRequestFactory

    from miniprograms.models import MiniProgramHostApp
    from miniprograms.serializers.programs import MiniProgramListSerializer, MiniProgramSerializer
    from workspaces.services.hostapps import host_app_create

    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    other, _secret = host_app_create(actor=owner, name="Acme Travel", platforms={"ios": "a.t"})
    create_miniprogram(owner, name="Plain")
    linked = create_miniprogram(owner, name="Linked", host_app_ids=[app.pk, other.pk])
    MiniProgramHostApp.objects.filter(miniprogram=linked, host_app=other).update(
        status=MiniProgramHostApp.Status.OFFLINE, offline_reason="Paused"
    )
    rows = list(miniprogram_list(member=owner))
    request = APIRequestFactory().get("/api/v1/", HTTP_X_FORWARDED_PROTO="https")
    context = {"request": request, "workspace": owner.workspace}
    with timezone.override("Asia/Shanghai"):
        generic = MiniProgramSerializer(rows, many=True, context=context).data
        fast = MiniProgramListSerializer(rows, many=True, context=context).data
    assert [dict(r) for r in fast] == [dict(r) for r in generic]
    assert len(fast[0]["host_apps"]) == 2 and fast[1]["host_apps"] == []

    client.force_login(owner.user)
    answer = client.get(
        f"/api/v1/workspaces/{owner.workspace.slug}/miniprograms", HTTP_X_FORWARDED_PROTO="https"
    ).json()
    assert [r["name"] for r in answer["results"]] == ["Linked", "Plain"]
    assert answer["results"][0]["console_url"].endswith(f"/miniprograms/{linked.app_id}/")
    # The view reads the page as values (api_list_rows), not as models: the same answer.
    request = APIRequestFactory().get("/api/v1/", HTTP_X_FORWARDED_PROTO="https")
    context = {"request": request, "workspace": owner.workspace}
    assert answer["results"] == MiniProgramSerializer(rows, many=True, context=context).data


def test_ids_first_pages_are_the_plain_pages(owner):
    from django.core.paginator import Paginator

    from miniprograms.views.rows import IdsFirstPaginator

    for n in range(7):
        create_miniprogram(owner, name=f"Paged {n}")
    rows = miniprogram_list(member=owner)
    plain, ours = Paginator(rows, 3), IdsFirstPaginator(rows, 3)
    assert ours.num_pages == plain.num_pages == 3
    for number in (1, 2, 3):
        assert [mp.pk for mp in ours.page(number)] == [mp.pk for mp in plain.page(number)]
    with CaptureQueriesContext(connection) as queries:
        page = list(ours.page(3))
    assert len(page) == 1
    sql = queries.captured_queries[0]["sql"]
    assert " IN (SELECT " in sql and "OFFSET 6" in sql  # the ids first, by themselves
    last = list(IdsFirstPaginator(miniprogram_list(member=owner, search="paged 1"), 3).page(1))
    assert [mp.name for mp in last] == ["Paged 1"]


# --- counts and pages without the rows' joins (the list pages and the API list) ------------------


def _bulk(workspace, count: int, *, start: int = 0) -> list[MiniProgram]:
    """``count`` mini programs written in bulk (fast), created one second apart."""
    from datetime import timedelta

    from miniprograms.models import Industry

    industry = Industry.objects.filter(parent__isnull=False).first()
    rows = MiniProgram.objects.bulk_create(
        MiniProgram(
            workspace=workspace,
            app_id=f"7{n:015d}",
            kind="tenant",
            name=f"Bulk {n:04d}",
            tagline="t",
            description="d",
            logo="miniprogram-logos/x.png",
            industry=industry,
            service_phone="0571-26888888",
            service_email="a@b.example",
        )
        for n in range(start, start + count)
    )
    now = timezone.now()
    for n, mp in enumerate(rows):
        MiniProgram.objects.filter(pk=mp.pk).update(created_at=now - timedelta(seconds=n))
    return rows


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]


def test_the_list_pages_count_over_the_workspace_alone(owner, client):
    """The rows' industries are joined on the page's query only: the COUNT and the page's ids
    read the mini programs alone (with the joins, 10,000 rows took 7.6 ms to count)."""
    _bulk(owner.workspace, 3)
    client.force_login(owner.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("miniprograms:list", args=[owner.workspace.slug]))
    assert [row.industry_path for row in response.context["rows"]] != ["", "", ""]
    (count,) = [sql for sql in _counts(queries) if "miniprograms_miniprogram" in sql]
    assert "JOIN" not in count
    (page,) = [q["sql"] for q in queries.captured_queries if " IN (SELECT " in q["sql"]]
    ids = page[page.index(" IN (SELECT ") :]
    assert "industry" not in ids  # the ids alone; the industries on the outer query
    assert "miniprograms_industry" in page[: page.index(" IN (SELECT ")]


def test_api_list_counts_only_when_a_full_page_cannot_tell(owner, client):
    _bulk(owner.workspace, 5)
    client.force_login(owner.user)
    base = f"/api/v1/workspaces/{owner.workspace.slug}/miniprograms"
    names = [f"Bulk {n:04d}" for n in range(5)]  # newest first

    with CaptureQueriesContext(connection) as queries:
        answer = client.get(base).json()  # 5 rows on a page of 50: the total is 5
    assert answer["count"] == 5 and answer["next"] is None
    assert [r["name"] for r in answer["results"]] == names
    assert _counts(queries) == []

    with CaptureQueriesContext(connection) as queries:
        answer = client.get(base, {"page_size": 2}).json()  # full: more may follow
    assert answer["count"] == 5 and answer["next"].endswith("page=2&page_size=2")
    assert [r["name"] for r in answer["results"]] == names[:2]
    (count,) = _counts(queries)
    assert "JOIN" not in count

    with CaptureQueriesContext(connection) as queries:
        answer = client.get(base, {"page_size": 2, "page": 3}).json()  # the last, not full
    assert answer["count"] == 5 and answer["next"] is None
    assert answer["previous"].endswith("page=2&page_size=2")
    assert [r["name"] for r in answer["results"]] == names[4:]
    assert _counts(queries) == []

    past = client.get(base, {"page_size": 2, "page": 4})
    assert past.status_code == 404
    assert past.json()["error"]["message"] == "There is no page 4; the last page is 3."
    empty = client.get(base, {"search": "nothing like it"}).json()
    assert empty["count"] == 0 and empty["results"] == []


def test_api_list_queries_do_not_grow_with_rows(owner, client, django_assert_max_num_queries):
    _bulk(owner.workspace, 1)
    client.force_login(owner.user)
    url = f"/api/v1/workspaces/{owner.workspace.slug}/miniprograms"
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).json()["count"] == 1
    _bulk(owner.workspace, 120, start=1)
    # One more for the COUNT a full page needs (a short page tells its total itself).
    with django_assert_max_num_queries(len(one_row) + 1):
        answer = client.get(url, {"page": 2}).json()
    assert answer["count"] == 121 and len(answer["results"]) == 50
    assert answer["results"][0]["industry_name"]


def test_rows_written_in_python_escape_what_they_print(owner, client):
    """The rows are one ``format_html`` each (no template): every value is escaped as the
    template engine escaped it."""
    mp = _bulk(owner.workspace, 1)[0]
    MiniProgram.objects.filter(pk=mp.pk).update(name='<b>"Bold" & co</b>')
    client.force_login(owner.user)
    for url in (reverse("miniprograms:list", args=[owner.workspace.slug]), "/miniprograms/"):
        body = client.get(url).content.decode()
        assert "<b>&quot;Bold" not in body and "<b>" not in body.split("<tbody>")[1]
        assert "<strong>&lt;b&gt;&quot;Bold&quot; &amp; co&lt;/b&gt;</strong>" in body
