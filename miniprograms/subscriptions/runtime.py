"""The SDK's side of subscription messages (issue 13): which templates a pop-up shows, and what
the user answered.

``requestSubscribeMessage`` in a mini program asks the super app for a pop-up with up to three
of the mini program's My Templates. The SDK (authenticated with the host app's SDK key, like
the runtime API) first asks :func:`subscription_templates_check` what to show, then posts the
user's answers to :func:`subscription_record`. The rules (SPEC §8, seed 004):

* at most **3** template ids per call (``too_many_templates``); the same id twice counts once;
* one-time and long-term templates are never mixed in one call (``mixed_kinds``);
* ids whose **titles** repeat keep the first one; the others are answered ``ignored``
  (``duplicate_title``) and recorded nowhere;
* each id must be a My Template of this mini program made from the library of this host app's
  tenant (``unknown_template``), and the mini program must be released to the host app, on
  shelf and not taken offline there (``unknown_app``, ``off_shelf``, ``offline``).

What an answer records (:class:`~miniprograms.subscriptions.models.Subscription`, one row per
template and user): a one-time **accept** adds one sending credit (two accepts, two messages); a
long-term **accept** subscribes until the user **rejects** it again (a withdrawal). A reject of a
one-time template records the answer and leaves earlier unused credits alone: each was its own
consent to one message. These are calls of the super app, not of console members: nothing here
is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.secrets.oauth import open_user_id
from miniprograms.subscriptions.errors import SubscriptionError
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate, Subscription
from workspaces.models import HostApp

MAX_PER_CALL = 3
ACCEPT, REJECT = "accept", "reject"

Status = Subscription.Status


@dataclass(frozen=True)
class Checked:
    """The templates a pop-up shows (in the order asked) and those left out, by reason."""

    miniprogram: MiniProgram
    templates: list[MyTemplate]
    ignored: list[tuple[str, str]]  # (template id, reason)

    @property
    def kind(self) -> str:
        return self.templates[0].public_template.kind


def _miniprogram(*, host_app: HostApp, app_id: str) -> MiniProgram:
    link = (
        MiniProgramHostApp.objects.select_related("miniprogram")
        .filter(host_app=host_app, miniprogram__app_id=app_id)
        .first()
    )
    if link is None:
        raise SubscriptionError("unknown_app")
    if not link.miniprogram.is_on_shelf:
        raise SubscriptionError("off_shelf")
    if not link.is_active:
        raise SubscriptionError("offline")
    return link.miniprogram


def subscription_templates_check(
    *, host_app: HostApp, app_id: str, template_ids: list[str]
) -> Checked:
    """The My Templates a subscribe pop-up for ``template_ids`` shows, or the refusal."""
    asked = list(dict.fromkeys(template_ids))  # the same id twice counts once
    if not asked:
        raise SubscriptionError("no_templates")
    if len(asked) > MAX_PER_CALL:
        raise SubscriptionError("too_many_templates")
    miniprogram = _miniprogram(host_app=host_app, app_id=app_id)
    found = {
        t.template_id: t
        for t in MyTemplate.objects.filter(
            miniprogram=miniprogram,
            template_id__in=asked,
            public_template__workspace_id=host_app.workspace_id,
        ).select_related("public_template")
    }
    for template_id in asked:
        if template_id not in found:
            raise SubscriptionError("unknown_template", template_id=template_id[:64])
    kinds = {found[t].public_template.kind for t in asked}
    if len(kinds) > 1:
        raise SubscriptionError("mixed_kinds")
    kept: list[MyTemplate] = []
    ignored: list[tuple[str, str]] = []
    titles: set[str] = set()
    for template_id in asked:
        template = found[template_id]
        title = template.public_template.title.casefold()
        if title in titles:
            ignored.append((template_id, "duplicate_title"))
            continue
        titles.add(title)
        kept.append(template)
    return Checked(miniprogram=miniprogram, templates=kept, ignored=ignored)


@dataclass(frozen=True)
class Answer:
    template: MyTemplate
    status: str  # accepted / rejected
    credits: int  # one-time: unused credits after this answer


def _answer(
    *, template: MyTemplate, host_app: HostApp, user_id: str, open_id: str, accept: bool
) -> Answer:
    now = timezone.now()
    one_time = template.public_template.kind == PublicTemplate.Kind.ONE_TIME
    status = Status.ACCEPTED if accept else Status.REJECTED
    credit = 1 if (accept and one_time) else 0
    with transaction.atomic():
        updated = Subscription.objects.filter(my_template=template, open_user_id=open_id).update(
            status=status, credits=F("credits") + credit, decided_at=now, user_id=user_id
        )
        if not updated:
            try:
                with transaction.atomic():
                    Subscription.objects.create(
                        my_template=template,
                        miniprogram_id=template.miniprogram_id,
                        host_app=host_app,
                        user_id=user_id,
                        open_user_id=open_id,
                        kind=template.public_template.kind,
                        status=status,
                        credits=credit,
                        decided_at=now,
                    )
            except IntegrityError:  # the same user answered in a concurrent call: add to it
                Subscription.objects.filter(my_template=template, open_user_id=open_id).update(
                    status=status, credits=F("credits") + credit, decided_at=now
                )
        credits = (
            Subscription.objects.filter(my_template=template, open_user_id=open_id)
            .values_list("credits", flat=True)
            .first()
        )
    return Answer(template=template, status=status, credits=int(credits or 0))


@dataclass(frozen=True)
class Recorded:
    checked: Checked
    answers: list[Answer]
    user_id: str  # the mini program's id of the user (what its backend sends to)


def subscription_record(
    *, host_app: HostApp, app_id: str, user_id: str, decisions: dict[str, str]
) -> Recorded:
    """Record a user's answers (``template id → "accept" | "reject"``) to a pop-up, after the
    same checks as :func:`subscription_templates_check`."""
    for template_id, decision in decisions.items():
        if decision not in (ACCEPT, REJECT):
            raise SubscriptionError("invalid_decision", template_id=str(template_id)[:64])
    checked = subscription_templates_check(
        host_app=host_app, app_id=app_id, template_ids=list(decisions)
    )
    open_id = open_user_id(app_id=app_id, host_app_id=host_app.pk, user_id=user_id)
    answers = [
        _answer(
            template=template,
            host_app=host_app,
            user_id=user_id,
            open_id=open_id,
            accept=decisions[template.template_id] == ACCEPT,
        )
        for template in checked.templates
    ]
    return Recorded(checked=checked, answers=answers, user_id=open_id)


def subscription_status(*, host_app: HostApp, app_id: str, user_id: str) -> list[Subscription]:
    """The user's subscriptions in one mini program through this host app (the SDK's settings
    page: what the user may withdraw)."""
    miniprogram = _miniprogram(host_app=host_app, app_id=app_id)
    open_id = open_user_id(app_id=app_id, host_app_id=host_app.pk, user_id=user_id)
    return list(
        Subscription.objects.filter(miniprogram=miniprogram, open_user_id=open_id)
        .select_related("my_template__public_template")
        .order_by("my_template__public_template__title", "id")
    )
