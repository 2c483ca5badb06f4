"""Writes of environment variables: replace one environment's set at once.

Who may: ``DEVELOP_MINIPROGRAM`` on the mini program (its Owner and Admins, an assigned
Developer). Every change is audited (``miniprogram.env_update``, the environment's variables
before and after) and moves the runtime revision (``runtime_changed``), so the SDK gets the new
values within the snapshot's bound.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from miniprograms.envvars.models import MAX_PER_ENVIRONMENT, EnvironmentVariable
from miniprograms.envvars.validators import validate_key, validate_value
from miniprograms.models import MiniProgram
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import runtime_changed
from workspaces.models import Membership
from workspaces.services.audit import audit_record

ENVIRONMENTS = frozenset(EnvironmentVariable.Environment.values)


def environment_label(environment: str) -> str:
    return str(EnvironmentVariable.Environment(environment).label)


def _clean(environment: str, variables: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The variables as stored (trimmed, validated), in the order given; ``ValidationError``
    listing every problem."""
    if environment not in ENVIRONMENTS:
        raise ValidationError(
            {"environment": _("Unknown environment “%(env)s”.") % {"env": environment[:32]}}
        )
    cleaned: dict[str, str] = {}
    errors: list[ValidationError] = []
    for raw_key, raw_value in variables:
        key, value = raw_key.strip(), raw_value.strip()
        try:
            validate_key(key)
            validate_value(value, key=key)
        except ValidationError as exc:
            errors.append(exc)
            continue
        if key in cleaned:
            errors.append(
                ValidationError(_("%(key)s is listed twice.") % {"key": key}, code="duplicate")
            )
        cleaned[key] = value
    if len(cleaned) > MAX_PER_ENVIRONMENT:
        errors.append(
            ValidationError(
                _("At most %(max)d variables per environment (%(count)d were given).")
                % {"max": MAX_PER_ENVIRONMENT, "count": len(cleaned)},
                code="too_many",
            )
        )
    if errors:
        raise ValidationError({"variables": errors})
    return cleaned


@transaction.atomic
def envvars_replace(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    environment: str,
    variables: Iterable[tuple[str, str]],
) -> dict[str, str]:
    """Make ``variables`` (``(key, value)`` pairs) the whole set of ``environment``: keys not
    given are removed. All or nothing: an invalid key or value, a key given twice or more than
    ``MAX_PER_ENVIRONMENT`` refuses everything (``ValidationError`` under ``variables``).
    Returns the stored set; the same set again changes (and audits) nothing."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    wanted = _clean(environment, variables)
    # One writer per mini program at a time: the count limit holds under concurrent saves.
    MiniProgram.objects.select_for_update().filter(pk=miniprogram.pk).first()
    rows = {
        row.key: row
        for row in EnvironmentVariable.objects.filter(
            miniprogram=miniprogram, environment=environment
        )
    }
    before = {key: row.value for key, row in sorted(rows.items())}
    if before == dict(sorted(wanted.items())):
        return before
    gone = [row.pk for key, row in rows.items() if key not in wanted]
    if gone:
        EnvironmentVariable.objects.filter(pk__in=gone).delete()
    for key, value in wanted.items():
        row = rows.get(key)
        if row is None:
            EnvironmentVariable.objects.create(
                miniprogram=miniprogram, environment=environment, key=key, value=value
            )
        elif row.value != value:
            row.value = value
            row.save(update_fields=["value", "updated_at"])
    after = dict(sorted(wanted.items()))
    audit_record(
        actor=actor.user,
        verb="miniprogram.env_update",
        workspace=miniprogram.workspace,
        target=miniprogram,
        before={"environment": environment, "variables": before},
        after={"environment": environment, "variables": after},
    )
    runtime_changed()
    return after
