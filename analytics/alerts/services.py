"""Writes of alerts (issue 15): the state door the evaluation uses, and the team's actions.

**States.** An alert is ``firing`` or ``resolved`` (one row per mini program, host app and
metric, created the first time it fires). :func:`alert_fire` and :func:`alert_resolve` are the
only doors between them: they lock the row, return ``None`` when it is already in that state
(a re-run of the evaluation), record an :class:`AlertChange` with the numbers (value, samples,
threshold, minimum samples, window) and, when the notification policy below allows, queue the
email and webhook (``notify.alert_notify``, through the outbox, in the same transaction).

**Notifications and the cool-down.** A firing is notified unless the alert is muted or an
earlier notification of this alert went out less than :data:`COOLDOWN` (1 hour) ago; a
resolution is notified only when the firing it ends was (and the alert is not muted). A
metric that flaps around its threshold every 5 minutes therefore sends at most one "firing" and
one "resolved" an hour; every flap is still in the history, marked "not notified" with the
reason. While an alert keeps firing, nothing more is sent: each evaluation only refreshes its
numbers (:func:`alert_refresh`).

**Mute** (until a time, at most :data:`MAX_MUTE`) silences an alert's notifications, not its
evaluation; **acknowledge** records that someone is on a firing alert (cleared when it fires
again after resolving). Both, and every rule edit, need ``DEVELOP_MINIPROGRAM`` on the mini
program (its Owner and Admins, an assigned Developer) and are audited: ``alert.mute``,
``alert.unmute``, ``alert.acknowledge``, ``alert_rule.update``, ``alert_rule.reset``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.alerts import notify
from analytics.alerts.models import Alert, AlertChange, AlertRule
from analytics.alerts.rules import MAX_MIN_SAMPLES, SPECS, EffectiveRule, Measure
from miniprograms.models import MiniProgram
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import HostApp, Membership
from workspaces.services.audit import audit_record

COOLDOWN = timedelta(hours=1)
MAX_MUTE = timedelta(days=30)
State = Alert.State
Kind = AlertChange.Kind


# --- the state door (the evaluation; no actor) -------------------------------------------------


def _numbers(
    rule: EffectiveRule, measure: Measure, start: datetime, end: datetime
) -> dict[str, Any]:
    return {
        "value": measure.number(),
        "samples": measure.samples,
        "threshold": rule.threshold,
        "min_samples": rule.min_samples,
        "window_start": start,
        "window_end": end,
    }


def _is_muted(alert: Alert, now: datetime) -> bool:
    return alert.muted_until is not None and alert.muted_until > now


@transaction.atomic
def alert_fire(
    *,
    miniprogram_id: int,
    host_app_id: int,
    rule: EffectiveRule,
    measure: Measure,
    start: datetime,
    end: datetime,
) -> Alert | None:
    """The metric crossed its rule: create the alert or move it resolved → firing, record the
    change and notify (mute and cool-down permitting). ``None`` when it was already firing."""
    now = end
    numbers = _numbers(rule, measure, start, end)
    alert = (
        Alert.objects.select_for_update()
        .filter(miniprogram_id=miniprogram_id, host_app_id=host_app_id, metric=rule.metric)
        .first()
    )
    if alert is None:
        alert, _created = Alert.objects.get_or_create(
            miniprogram_id=miniprogram_id,
            host_app_id=host_app_id,
            metric=rule.metric,
            defaults={"state": State.RESOLVED, "fired_at": now, **numbers},
        )
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state == State.FIRING:
        return None
    for name, value in numbers.items():
        setattr(alert, name, value)
    alert.state = State.FIRING
    alert.fired_at = now
    alert.resolved_at = None
    alert.acknowledged_at = None
    alert.acknowledged_by = None
    note = ""
    if _is_muted(alert, now):
        note = "muted"
    elif alert.last_notified_at is not None and now - alert.last_notified_at < COOLDOWN:
        note = "cool-down"
    if not note:
        alert.last_notified_at = now
    alert.save()
    change = AlertChange.objects.create(
        alert=alert, kind=Kind.FIRED, is_notified=not note, note=note, created_at=now, **numbers
    )
    if not note:
        notify.alert_notify(alert=_loaded(alert), change=change)
    return alert


@transaction.atomic
def alert_refresh(
    *, alert_id: int, rule: EffectiveRule, measure: Measure, start: datetime, end: datetime
) -> None:
    """A firing alert still fires: keep its latest numbers (no history row, no message)."""
    Alert.objects.filter(pk=alert_id, state=State.FIRING).update(
        updated_at=end, **_numbers(rule, measure, start, end)
    )


@transaction.atomic
def alert_resolve(
    *, alert_id: int, rule: EffectiveRule, measure: Measure, start: datetime, end: datetime
) -> Alert | None:
    """The metric no longer crosses its rule (recovered, too few samples, or the rule turned
    off): firing → resolved, the change recorded, notified when its firing was. ``None`` when
    it was not firing."""
    now = end
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or alert.state != State.FIRING:
        return None
    numbers = _numbers(rule, measure, start, end)
    fired = alert.changes.filter(kind=Kind.FIRED).order_by("-created_at", "-id").first()
    note = ""
    if not rule.is_enabled:
        reason = "rule turned off"
    elif measure.samples <= rule.min_samples:
        reason = "too few samples"
    else:
        reason = "recovered"
    if _is_muted(alert, now):
        note = "muted"
    elif fired is None or not fired.is_notified:
        note = "firing not notified"
    for name, value in numbers.items():
        setattr(alert, name, value)
    alert.state = State.RESOLVED
    alert.resolved_at = now
    alert.save()
    change = AlertChange.objects.create(
        alert=alert,
        kind=Kind.RESOLVED,
        is_notified=not note,
        note=f"{reason}; {note}" if note else reason,
        created_at=now,
        **numbers,
    )
    if not note:
        notify.alert_notify(alert=_loaded(alert), change=change)
    return alert


def _loaded(alert: Alert) -> Alert:
    return Alert.objects.select_related("miniprogram__workspace", "host_app").get(pk=alert.pk)


# --- the team's actions ---------------------------------------------------------------------


def _require(actor: Membership, miniprogram: MiniProgram) -> None:
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)


def _alert_snapshot(alert: Alert) -> dict[str, Any]:
    return {
        "metric": alert.metric,
        "host_app": alert.host_app_id,
        "state": alert.state,
        "muted_until": alert.muted_until.isoformat() if alert.muted_until else None,
        "acknowledged": alert.acknowledged_at is not None,
    }


@transaction.atomic
def alert_mute(
    *, actor: Membership, alert: Alert, until: datetime, now: datetime | None = None
) -> Alert:
    """Silence the alert's notifications until ``until`` (in the future, at most 30 days)."""
    _require(actor, alert.miniprogram)
    now = now or timezone.now()
    if until <= now:
        raise ValidationError({"until": _("Choose a time in the future.")}, code="until")
    if until - now > MAX_MUTE:
        raise ValidationError(
            {"until": _("An alert can be muted for at most 30 days.")}, code="until"
        )
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    before = _alert_snapshot(locked)
    locked.muted_until = until
    locked.muted_by = actor.user
    locked.save(update_fields=["muted_until", "muted_by", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="alert.mute",
        workspace=actor.workspace,
        target=locked,
        before=before,
        after=_alert_snapshot(locked),
    )
    return locked


@transaction.atomic
def alert_unmute(*, actor: Membership, alert: Alert) -> Alert:
    """Notify again from now on (a no-op on an alert that is not muted)."""
    _require(actor, alert.miniprogram)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.muted_until is None:
        return locked
    before = _alert_snapshot(locked)
    locked.muted_until = None
    locked.muted_by = None
    locked.save(update_fields=["muted_until", "muted_by", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="alert.unmute",
        workspace=actor.workspace,
        target=locked,
        before=before,
        after=_alert_snapshot(locked),
    )
    return locked


@transaction.atomic
def alert_acknowledge(*, actor: Membership, alert: Alert, now: datetime | None = None) -> Alert:
    """Say that someone is on this firing alert (a no-op when already acknowledged)."""
    _require(actor, alert.miniprogram)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.state != State.FIRING:
        raise ValidationError(_("Only a firing alert can be acknowledged."), code="state")
    if locked.acknowledged_at is not None:
        return locked
    before = _alert_snapshot(locked)
    locked.acknowledged_at = now or timezone.now()
    locked.acknowledged_by = actor.user
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="alert.acknowledge",
        workspace=actor.workspace,
        target=locked,
        before=before,
        after=_alert_snapshot(locked),
    )
    return locked


# --- rules ------------------------------------------------------------------------------------


def _clean_threshold(metric: str, raw: Any) -> Decimal:
    spec = SPECS[metric]
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"threshold": _("Enter a number.")}, code="threshold") from None
    if not value.is_finite() or value < 0 or value > spec.max_threshold:
        raise ValidationError(
            {
                "threshold": _("Enter a number from 0 to %(max)s %(unit)s.")
                % {"max": f"{spec.max_threshold:,}", "unit": spec.unit}
            },
            code="threshold",
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"threshold": _("Use at most two decimals.")}, code="threshold")
    return value.quantize(Decimal("0.01"))  # as stored: "2.5" and "2.50" are one rule


def _clean_min_samples(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError({"min_samples": _("Enter a whole number.")}, code="min") from None
    if value < 0 or value > MAX_MIN_SAMPLES:
        raise ValidationError(
            {"min_samples": _("Enter a whole number from 0 to 1,000,000.")}, code="min"
        )
    return value


def _host_app(miniprogram: MiniProgram, host_app_id: int | None) -> HostApp | None:
    """A host app the mini program is released to (active or taken offline), or ``None``."""
    if host_app_id is None:
        return None
    host = HostApp.objects.filter(
        pk=host_app_id, miniprogram_targets__miniprogram=miniprogram
    ).first()
    if host is None:
        raise ValidationError({"host_app": _("Choose a host app it is released to.")}, code="host")
    return host


def _rule_snapshot(rule: AlertRule | None) -> dict[str, Any]:
    if rule is None:
        return {"source": "default"}
    return {
        "is_enabled": rule.is_enabled,
        "threshold": str(rule.threshold),
        "min_samples": rule.min_samples,
    }


@transaction.atomic
def alert_rule_save(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    metric: str,
    is_enabled: bool,
    threshold: Any,
    min_samples: Any,
    host_app_id: int | None = None,
) -> AlertRule:
    """Set one metric's rule for the mini program (or for it on one host app it is released
    to), replacing the defaults there. Audited ``alert_rule.update`` with before and after."""
    _require(actor, miniprogram)
    if metric not in SPECS:
        raise ValidationError({"metric": _("Unknown metric.")}, code="metric")
    value = _clean_threshold(metric, threshold)
    samples = _clean_min_samples(min_samples)
    host = _host_app(miniprogram, host_app_id)
    rule = (
        AlertRule.objects.select_for_update()
        .filter(miniprogram=miniprogram, host_app=host, metric=metric)
        .first()
    )
    before = _rule_snapshot(rule)
    if rule is None:
        rule = AlertRule(miniprogram=miniprogram, host_app=host, metric=metric)
    rule.is_enabled = bool(is_enabled)
    rule.threshold = value
    rule.min_samples = samples
    rule.updated_by = actor.user
    rule.save()
    after = _rule_snapshot(rule)
    if before != after:
        audit_record(
            actor=actor.user,
            verb="alert_rule.update",
            workspace=actor.workspace,
            target=miniprogram,
            before={"metric": metric, "host_app": host_app_id, **before},
            after={"metric": metric, "host_app": host_app_id, **after},
        )
    return rule


@transaction.atomic
def alert_rule_reset(
    *, actor: Membership, miniprogram: MiniProgram, metric: str, host_app_id: int | None = None
) -> None:
    """Drop the mini program's (or host app's) own rule: the defaults (or the mini program's
    rule) apply again. A no-op when there is none."""
    _require(actor, miniprogram)
    rule = (
        AlertRule.objects.select_for_update()
        .filter(miniprogram=miniprogram, host_app_id=host_app_id, metric=metric)
        .first()
    )
    if rule is None:
        return
    before = _rule_snapshot(rule)
    rule.delete()
    audit_record(
        actor=actor.user,
        verb="alert_rule.reset",
        workspace=actor.workspace,
        target=miniprogram,
        before={"metric": metric, "host_app": host_app_id, **before},
        after={"metric": metric, "host_app": host_app_id, "source": "default"},
    )
