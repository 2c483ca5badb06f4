"""Environment variables (issue 12): at most five per release environment, keys and values
validated, edited per environment (input kept on error), audited, handed to the runtime answer
by ``miniprograms.envvars.runtime.index``."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from miniprograms.envvars import runtime
from miniprograms.envvars.models import EnvironmentVariable
from miniprograms.envvars.selectors import envvars_by_environment
from miniprograms.envvars.services import envvars_replace
from miniprograms.envvars.validators import validate_key, validate_value
from miniprograms.tests import test_views as world
from miniprograms.tests.factories import audit, create_miniprogram
from miniprograms.tests.test_views import (
    DEVELOP,
    EVERYONE,
    VIEW,
    assert_refused,
    login_as,
    message_texts,
    url,
)
from workspaces import extensions
from workspaces.models import AuditEvent
from workspaces.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

host_app, mp, developer = world.host_app, world.mp, world.developer

PROD = "production"


def stored(mp, environment=PROD) -> dict[str, str]:
    rows = EnvironmentVariable.objects.filter(miniprogram=mp, environment=environment)
    return {row.key: row.value for row in rows.order_by("key")}


@pytest.fixture
def runtime_moves(monkeypatch):
    """Counts ``runtime_changed()`` calls (the runtime revision's trigger)."""
    calls = []
    monkeypatch.setitem(extensions._ON_RUNTIME_CHANGED, "h5-test", lambda: calls.append(1))
    return calls


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["A", "API_BASE_URL", "X9", "A" * 64])
def test_keys_like_identifiers_are_accepted(key):
    assert validate_key(key) == key


@pytest.mark.parametrize(
    "key", ["", "api_base", "9LIVES", "_X", "A-B", "A B", "ÄPFEL", "A" * 65, "A\n"]
)
def test_other_keys_are_refused_with_the_rule(key):
    with pytest.raises(ValidationError) as exc:
        validate_key(key)
    assert "64" in exc.value.messages[0]


@pytest.mark.parametrize("value", ["a\nb", "tab\there", "nul\x00", "bell\x07", "\ud800"])
def test_values_with_control_characters_are_refused_with_the_position(value):
    with pytest.raises(ValidationError) as exc:
        validate_value(value, key="K")
    assert "position" in exc.value.messages[0]


def test_values_are_capped_at_1024_characters():
    assert validate_value("x" * 1024) == "x" * 1024
    with pytest.raises(ValidationError, match="1024"):
        validate_value("x" * 1025)


# --- the service ---------------------------------------------------------------------------------


def test_replace_stores_the_set_audits_before_and_after_and_moves_the_runtime(
    owner, mp, runtime_moves
):
    envvars_replace(
        actor=owner,
        miniprogram=mp,
        environment=PROD,
        variables=[("API_BASE_URL", " https://api.example.com "), ("MODE", "live")],
    )
    assert stored(mp) == {"API_BASE_URL": "https://api.example.com", "MODE": "live"}
    assert stored(mp, "sandbox") == {}
    assert len(runtime_moves) == 1

    envvars_replace(
        actor=owner, miniprogram=mp, environment=PROD, variables=[("MODE", "maintenance")]
    )
    assert stored(mp) == {"MODE": "maintenance"}  # API_BASE_URL was not given: removed
    [first, second] = audit("miniprogram.env_update")
    assert first.before == {"environment": PROD, "variables": {}}
    assert second.before == {
        "environment": PROD,
        "variables": {"API_BASE_URL": "https://api.example.com", "MODE": "live"},
    }
    assert second.after == {"environment": PROD, "variables": {"MODE": "maintenance"}}
    assert second.target_id == str(mp.pk) or second.target_id == mp.pk
    assert len(runtime_moves) == 2


def test_the_same_set_again_changes_and_audits_nothing(owner, mp, runtime_moves):
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=[("A", "1")])
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=[("A", "1")])
    assert len(audit("miniprogram.env_update")) == 1
    assert len(runtime_moves) == 1


def test_at_most_five_per_environment_and_nothing_is_stored_when_refused(owner, mp):
    five = [(f"K{n}", str(n)) for n in range(5)]
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=five)
    envvars_replace(actor=owner, miniprogram=mp, environment="test", variables=five)
    with pytest.raises(ValidationError, match="At most 5"):
        envvars_replace(
            actor=owner, miniprogram=mp, environment=PROD, variables=[*five, ("K9", "9")]
        )
    assert stored(mp) == dict(five)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ([("ok_key", "1")], "not a valid name"),
        ([("A", "1"), ("A", "2")], "listed twice"),
        ([("A", "line\nbreak")], "control character"),
        ([("A", "x" * 1025)], "1024"),
    ],
)
def test_one_bad_variable_refuses_the_whole_set(owner, mp, variables, message):
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=[("KEEP", "me")])
    with pytest.raises(ValidationError) as exc:
        envvars_replace(
            actor=owner, miniprogram=mp, environment=PROD, variables=[("NEW", "x"), *variables]
        )
    assert message in " ".join(exc.value.messages)
    assert stored(mp) == {"KEEP": "me"}


def test_an_unknown_environment_is_refused(owner, mp):
    with pytest.raises(ValidationError, match="Unknown environment"):
        envvars_replace(actor=owner, miniprogram=mp, environment="staging", variables=[])


def test_a_reviewer_cannot_change_variables(tenant, mp):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    with pytest.raises(Exception) as exc:
        envvars_replace(actor=reviewer, miniprogram=mp, environment=PROD, variables=[("A", "1")])
    assert exc.type.__name__ in ("CapabilityDenied", "PermissionDenied")
    assert stored(mp) == {}


# --- the runtime index ---------------------------------------------------------------------------


def test_the_runtime_index_answers_per_environment_from_memory(owner, mp, host_app):
    other = create_miniprogram(owner, name="Tea House", host_app_ids=[host_app.pk])
    bare = create_miniprogram(owner, name="Bare Shop", host_app_ids=[host_app.pk])
    same = [("API_BASE_URL", "https://api.example.com")]
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=same)
    envvars_replace(actor=owner, miniprogram=other, environment=PROD, variables=same)
    envvars_replace(actor=owner, miniprogram=mp, environment="test", variables=[("X", "t")])

    with CaptureQueriesContext(connection) as queries:
        env = runtime.index(miniprogram_ids=[mp.pk, other.pk, bare.pk])
        answers = {
            (m.pk, e): env(m.pk, e)
            for m in (mp, other, bare)
            for e in ("development", "test", "sandbox", PROD)
        }
    assert len(queries) == 1  # one query for every mini program, then memory
    assert answers[(mp.pk, PROD)] == {"API_BASE_URL": "https://api.example.com"}
    assert answers[(mp.pk, "test")] == {"X": "t"}
    assert answers[(mp.pk, "sandbox")] is None
    assert answers[(bare.pk, PROD)] is None
    # Equal answers are one object (memory at 10,000 mini programs).
    assert answers[(mp.pk, PROD)] is answers[(other.pk, PROD)]
    # Only the mini programs asked for are read.
    assert runtime.index(miniprogram_ids=[other.pk])(mp.pk, PROD) is None


def test_the_runtime_index_reads_large_id_sets_in_chunks(owner, mp, monkeypatch):
    monkeypatch.setattr(runtime, "CHUNK", 2)
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=[("A", "1")])
    with CaptureQueriesContext(connection) as queries:
        env = runtime.index(miniprogram_ids=[mp.pk, 10**6, 10**6 + 1, 10**6 + 2, 10**6 + 3])
    assert len(queries) == 3
    assert env(mp.pk, PROD) == {"A": "1"}


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_the_variables_page_is_for_whoever_sees_the_miniprogram(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("dev-variables", tenant, mp.app_id))
    if who in VIEW:
        assert response.status_code == 200
        edit = url("dev-variables-edit", tenant, mp.app_id, PROD)
        assert (edit in response.content.decode()) == (who in DEVELOP)
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_editing_variables_needs_develop(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    edit = url("dev-variables-edit", tenant, mp.app_id, PROD)
    response = client.post(edit, {"key_1": "MODE", "value_1": "live"})
    if who in DEVELOP:
        assert response.status_code == 302
        assert stored(mp) == {"MODE": "live"}
        assert client.get(edit).status_code == 200
    else:
        assert_refused(response, who)
        assert stored(mp) == {}
        assert_refused(client.get(edit), who)


def test_the_page_lists_each_environment_with_its_variables_and_empty_states(
    client, owner, tenant, mp
):
    envvars_replace(
        actor=owner, miniprogram=mp, environment="sandbox", variables=[("API", "https://s.x")]
    )
    client.force_login(owner.user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url("dev-variables", tenant, mp.app_id))
    text = page.content.decode()
    assert page.status_code == 200
    for environment in ("development", "test", "sandbox", "production"):
        assert f'id="env-{environment}"' in text
    assert "https://s.x" in text and "1 / 5" in text
    assert text.count("data-empty") == 3
    assert 'aria-current="page">Environment variables' in text  # the sub-navigation
    baseline = len(queries)
    envvars_replace(
        actor=owner, miniprogram=mp, environment=PROD, variables=[(f"K{n}", "v") for n in range(5)]
    )
    with CaptureQueriesContext(connection) as more:
        client.get(url("dev-variables", tenant, mp.app_id))
    assert len(more) == baseline  # no query per variable


def test_a_refused_edit_keeps_the_input_and_says_why_per_row(client, owner, tenant, mp):
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=[("KEEP", "me")])
    client.force_login(owner.user)
    edit = url("dev-variables-edit", tenant, mp.app_id, PROD)
    response = client.post(
        edit,
        {
            "key_1": "GOOD",
            "value_1": "fine",
            "key_2": "bad-key",
            "value_2": "kept value",
            "key_3": "",
            "value_3": "orphan",
            "key_4": "GOOD",
            "value_4": "again",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was saved" in text or "Please fix" in text
    assert 'value="bad-key"' in text and 'value="kept value"' in text
    assert "not a valid name" in text
    assert "Give this value a key" in text
    assert "listed twice" in text
    assert stored(mp) == {"KEEP": "me"}


def test_a_saved_edit_goes_back_to_the_list_with_a_message(client, owner, tenant, mp):
    client.force_login(owner.user)
    edit = url("dev-variables-edit", tenant, mp.app_id, "test")
    form = client.get(edit).content.decode()
    assert 'name="key_5"' in form and 'name="key_6"' not in form
    response = client.post(edit, {"key_1": "A", "value_1": "1", "key_3": "C", "value_3": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("#env-test")
    assert stored(mp, "test") == {"A": "1", "C": ""}
    assert "Saved the test variables." in message_texts(client.get(response["Location"]))
    # The form shows the stored set.
    again = client.get(edit).content.decode()
    assert 'value="A"' in again and 'value="C"' in again


def test_an_unknown_environment_page_is_404(client, owner, tenant, mp):
    client.force_login(owner.user)
    assert client.get(url("dev-variables-edit", tenant, mp.app_id, "staging")).status_code == 404


def test_the_selector_orders_environments_as_releases_do(owner, mp):
    assert [e.environment for e in envvars_by_environment(miniprogram=mp)] == [
        "development",
        "test",
        "sandbox",
        "production",
    ]


def test_the_audit_log_words_the_change(client, owner, tenant, mp):
    envvars_replace(actor=owner, miniprogram=mp, environment=PROD, variables=[("A", "1")])
    event = AuditEvent.objects.get(verb="miniprogram.env_update")
    client.force_login(owner.user)
    text = client.get(f"/w/{tenant.slug}/audit/").content.decode()
    assert "changed the production environment variables of" in text, event


# --- demo data ----------------------------------------------------------------------------------


def test_seed_demo_sets_variables_once_and_leaves_the_appsecret_to_generate(
    django_capture_on_commit_callbacks,
):
    from io import StringIO

    from django.core.management import call_command

    from console import demo
    from miniprograms.models import MiniProgram
    from miniprograms.secrets.models import AppSecret

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    mall = MiniProgram.objects.get(name="Acme Mall")
    for spec in demo.ENVIRONMENT_VARIABLES:
        assert stored(mall, spec.environment) == dict(spec.variables)
    rows = EnvironmentVariable.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    assert EnvironmentVariable.objects.count() == rows
    assert len(audit("miniprogram.env_update")) == len(demo.ENVIRONMENT_VARIABLES)
    assert not AppSecret.objects.exists()  # the Keys page shows its empty state
