"""What the audit log says: one human sentence per event, and the label stored for its target.

One registry, written to by each app for its own verbs (dependencies point down, STYLE.md §2):
workspaces registers its verbs below; an upper app calls :func:`register_audit_verbs` and
:func:`register_audit_target_label` from its ``AppConfig.ready()``, as it does for the other
extension points (``workspaces/extensions.py``). A verb nobody registered still reads as a
sentence: "<actor> <verb words> <target>".

A sentence is either a template (``{actor}``, ``{target}``, ``{role}``, ``{old_role}``,
``{new_role}`` and every scalar of the event's data as ``{after_<key>}`` / ``{before_<key>}``)
or a function of :class:`EventWords` returning the sentence. A template that names data the
event lacks falls back to the generic sentence rather than failing the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workspaces import authz
from workspaces.models import Membership


class AuditEventLike(Protocol):
    """What a sentence is made from (an ``AuditEvent``, with ``actor``/``workspace`` loaded)."""

    verb: str
    actor_id: int | None
    actor_label: str
    target_repr: str
    before: Any
    after: Any
    workspace_id: int | None


@dataclass(frozen=True)
class EventWords:
    """An event's parts, ready to be put into a sentence."""

    verb: str
    actor: str
    target: str
    kind: str = ""  # the workspace's kind ("tenant"/"developer"), for role names
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)

    def role(self, value: Any) -> str:
        """A role code as the product names it ("Workspace Admin" in a tenant)."""
        if value not in Membership.Role.values:
            return str(value or "")
        return (
            authz.role_label(str(value), self.kind)
            if self.kind
            else str(Membership.Role(value).label)
        )

    def fields(self) -> dict[str, str]:
        values: dict[str, str] = {"actor": self.actor, "target": self.target}
        for prefix, data in (("before", self.before), ("after", self.after)):
            for key, value in data.items():
                if isinstance(value, list | tuple):
                    value = ", ".join(str(v) for v in value)
                elif isinstance(value, dict):
                    continue
                values[f"{prefix}_{key}"] = "" if value is None else str(value)
        old, new = self.before.get("role"), self.after.get("role")
        if old or new:
            values["old_role"] = self.role(old)
            values["new_role"] = self.role(new)
            values["role"] = self.role(new or old)
        return values


Sentence = str | Promise | Callable[[EventWords], str]
TargetLabel = Callable[[Any], str]

_SENTENCES: dict[str, Sentence] = {}
_TARGET_LABELS: dict[str, TargetLabel] = {}


def register_audit_verbs(sentences: Mapping[str, Sentence]) -> None:
    """Say how the audit log words these verbs (registering a verb again replaces it)."""
    _SENTENCES.update(sentences)


def audit_known_verbs() -> list[str]:
    """Every verb an app registered, sorted: the audit log's action filter offers these (the
    known set costs nothing to read, where a DISTINCT over a workspace's events reads them
    all; a verb nobody registered can still be typed as a prefix in the URL)."""
    return sorted(_SENTENCES)


def register_audit_target_label(model_label: str, function: TargetLabel) -> None:
    """How an object of ``model_label`` (``"releases.version"``) is named in the log: stored on
    the event when it is written, so it still reads well after the object is gone."""
    _TARGET_LABELS[model_label] = function


def audit_target_label(obj: Model) -> str:
    """The display label stored for ``obj`` on an audit event (``str(obj)`` by default)."""
    function = _TARGET_LABELS.get(obj._meta.label_lower)
    return str(function(obj) if function is not None else obj)


def audit_verb_words(verb: str) -> str:
    """``"host_app.reset_secret"`` → ``"reset secret"``: the action part, in words."""
    action = verb.rsplit(".", 1)[-1]
    return action.replace("_", " ").strip() or verb


def audit_actor_name(event: AuditEventLike) -> str:
    """Who acted: the account's name (if it still exists), else the label kept on the event."""
    actor = getattr(event, "actor", None) if event.actor_id else None
    if actor is not None and actor.name:
        return str(actor.name)
    if not event.actor_id and event.actor_label in ("", "system"):
        return gettext("The system")
    return event.actor_label


def _kind(event: AuditEventLike) -> str:
    workspace = getattr(event, "workspace", None) if event.workspace_id else None
    return workspace.kind if workspace is not None else ""


def event_words(event: AuditEventLike) -> EventWords:
    return EventWords(
        verb=event.verb,
        actor=audit_actor_name(event),
        target=event.target_repr,
        kind=_kind(event),
        before=event.before if isinstance(event.before, dict) else {},
        after=event.after if isinstance(event.after, dict) else {},
    )


def generic_sentence(words: EventWords) -> str:
    return " ".join(
        part for part in (words.actor, audit_verb_words(words.verb), words.target) if part
    )


def audit_sentence(event: AuditEventLike) -> str:
    """One sentence for an audit event ("Dev Developer uploaded version 1.2.0 of Acme Mall")."""
    words = event_words(event)
    sentence = _SENTENCES.get(event.verb)
    if sentence is None:
        return generic_sentence(words)
    try:
        if callable(sentence):
            return sentence(words)
        return str(sentence).format_map(words.fields())
    except (KeyError, IndexError, ValueError, AttributeError):
        return generic_sentence(words)


# Email addresses in escaped text (no "&", ";", "<" or quotes: an entity is never split).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def keep_emails_whole(text: str) -> SafeString:
    """``text`` escaped, each email address in a ``<span class="email">`` that never wraps:
    a line may break before or after an address, never inside it (not even at a hyphen)."""
    escaped = str(escape(text))
    return mark_safe(_EMAIL.sub(lambda m: f'<span class="email">{m.group(0)}</span>', escaped))  # noqa: S308


# --- the workspaces app's own verbs and targets ---------------------------------------------


def person_label(name: str, email: str) -> str:
    """ "Dev Developer (dev@example.com)", or the email alone when there is no name."""
    return f"{name} ({email})" if name and name != email else email


def _capability(code: Any) -> str:
    try:
        return f"“{authz.CAP_DESCRIPTIONS[authz.Cap(code)]}”"
    except (KeyError, ValueError):
        return str(code or "")


def _grant_added(words: EventWords) -> str:
    return gettext("{actor} granted {target} {cap} on {object}").format(
        actor=words.actor,
        target=words.target,
        cap=_capability(words.after.get("cap")),
        object=words.after.get("object", ""),
    )


def _grant_removed(words: EventWords) -> str:
    return gettext("{actor} took back {cap} on {object} from {target}").format(
        actor=words.actor,
        target=words.target,
        cap=_capability(words.before.get("cap")),
        object=words.before.get("object", ""),
    )


def _membership_added(words: EventWords) -> str:
    if words.after.get("via") == "invitation":
        return gettext("{actor} joined the workspace as {role}").format_map(words.fields())
    return gettext("{actor} added {target} as {role}").format_map(words.fields())


register_audit_target_label("workspaces.user", lambda u: person_label(u.name, u.email))
register_audit_target_label(
    "workspaces.membership", lambda m: person_label(m.user.name, m.user.email)
)
register_audit_target_label("workspaces.invitation", lambda i: person_label(i.name, i.email))
register_audit_target_label("workspaces.workspace", lambda w: w.name)
register_audit_target_label("workspaces.approvalrequest", lambda r: f"“{r.summary}”")

register_audit_verbs(
    {
        # accounts and security
        "auth.signin": _("{actor} signed in"),
        "auth.signin_failed": _("A sign-in as {actor} failed"),
        "auth.signout": _("{actor} signed out"),
        "auth.recovery_code_used": _("{actor} signed in with a recovery code"),
        "auth.2fa_failed": _("{actor} entered a wrong two-factor code"),
        "user.signup": _("{actor} created their account"),
        "user.update": _("{actor} updated their profile"),
        "user.password_change": _("{actor} changed their password"),
        "user.password_reset": _("{actor} reset their password"),
        "2fa.enable": _("{actor} turned on two-factor authentication"),
        "2fa.disable": _("{actor} turned off two-factor authentication"),
        "2fa.recovery_codes_regenerate": _("{actor} generated new recovery codes"),
        "api_token.create": _("{actor} created the API token {target}"),
        "api_token.revoke": _("{actor} revoked the API token {target}"),
        # members and invitations
        "membership.add": _membership_added,
        "membership.change_role": _(
            "{actor} changed the role of {target} from {old_role} to {new_role}"
        ),
        "membership.block": _("{actor} blocked {target}"),
        "membership.unblock": _("{actor} unblocked {target}"),
        "membership.remove": _("{actor} removed {target} from the workspace"),
        "membership.leave": _("{actor} left the workspace"),
        "invitation.create": _("{actor} invited {target} to join as {role}"),
        "invitation.resend": _("{actor} re-sent the invitation to {target}"),
        "invitation.withdraw": _("{actor} withdrew the invitation to {target}"),
        "invitation.expire": _("{actor} closed the expired invitation to {target}"),
        "invitation.accept": _("{actor} accepted the invitation to join as {role}"),
        "grant.add": _grant_added,
        "grant.remove": _grant_removed,
        # the workspace
        "workspace.create": _("{actor} created the workspace {target}"),
        "workspace.update_settings": _("{actor} updated the workspace settings"),
        "workspace.transfer_ownership": _(
            "{actor} transferred ownership of the workspace to {after_owner}"
        ),
        "developer_workspace.create": _(
            "{actor} created the developer workspace {target} for {after_owner_email}"
        ),
        "host_app.create": _("{actor} added the host app {target}"),
        "host_app.update": _("{actor} updated the host app {target}"),
        "host_app.reset_secret": _("{actor} reset the SDK secret of the host app {target}"),
        "host_app.freeze_key": _("{actor} froze the SDK key of the host app {target}"),
        "host_app.unfreeze_key": _("{actor} unfroze the SDK key of the host app {target}"),
        # webhooks (services/webhooks.py)
        "webhook.create": _("{actor} added the webhook endpoint {target}"),
        "webhook.update": _("{actor} updated the webhook endpoint {target}"),
        "webhook.delete": _("{actor} deleted the webhook endpoint {target}"),
        "webhook.rotate_secret": _(
            "{actor} rotated the signing secret of the webhook endpoint {target}"
        ),
        "webhook.test": _("{actor} sent a test event to the webhook endpoint {target}"),
        # approvals (services/approvals.py)
        "approval.open": _("{actor} asked {after_deciding_workspace} to approve {target}"),
        "approval.approve": _("{actor} approved {target}"),
        "approval.reject": _("{actor} rejected {target}: {after_reason}"),
        "approval.withdraw": _("{actor} withdrew the request {target}"),
        "approval.cancel": _("{actor} cancelled the request {target}: {after_reason}"),
    }
)
