"""Forms of the members pages: the invite rows, role changes, blocking, the list filters.

Shape and per-field validation only; the rules (who may invite whom, duplicates, existing
members, the 10-per-batch limit, which mini programs a Developer needs) live in
``workspaces/services/invitations.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workspaces import authz
from workspaces.extensions import MiniProgramRef
from workspaces.models import Membership, Workspace, normalize_email
from workspaces.services.invitations import MAX_INVITATIONS_PER_BATCH, InviteSpec

# Rows rendered for a fresh form; without JavaScript that is what a person gets per submit.
INVITE_BLANK_ROWS = 5


def assignable_roles(workspace: Workspace) -> list[tuple[str, str]]:
    """(role, label) a member can be given here: the kind's roles minus Owner (transferred)."""
    return authz.assignable_role_choices(workspace.kind)


class InviteRowForm(forms.Form):
    """One person to invite. A row with neither name nor email is ignored.

    ``app_ids`` offers the workspace's mini programs (``miniprograms``): the ones a Developer
    will work on. Whether they are needed, and only for Developers, is the service's rule.
    """

    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=())
    app_ids = forms.MultipleChoiceField(
        label=_("Mini programs"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Developers only: they work on these mini programs and no others."),
    )

    def __init__(
        self, *args, workspace: Workspace, miniprograms: Sequence[MiniProgramRef] = (), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["app_ids"].choices = [(mp.app_id, mp.name) for mp in miniprograms]
        choices = assignable_roles(workspace)
        self.fields["role"].choices = choices
        self.fields["role"].initial = (
            Membership.Role.DEVELOPER
            if Membership.Role.DEVELOPER in dict(choices)
            else choices[-1][0]
        )
        self.fields["name"].widget.attrs.update(autocomplete="off")
        self.fields["email"].widget.attrs.update(autocomplete="off")

    @property
    def is_filled(self) -> bool:
        """Did the person type anything in this row (the role alone does not count)?"""
        if not self.is_bound:
            return False
        return any((self.data.get(self.add_prefix(f)) or "").strip() for f in ("name", "email"))

    def clean(self):
        data = super().clean()
        if not self.is_filled:
            return data
        if not (data.get("name") or "").strip() and "name" not in self.errors:
            self.add_error("name", _("Give the person's name."))
        if not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Give the email address the invitation goes to."))
        return data


class BaseInviteFormSet(BaseFormSet):
    """Up to 10 filled rows; blank rows are skipped, so a long form with gaps is fine."""

    def __init__(
        self, *args, workspace: Workspace, miniprograms: Sequence[MiniProgramRef] = (), **kwargs
    ):
        self.workspace = workspace
        self.miniprograms = list(miniprograms)  # looked up once, offered in every row
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "workspace": self.workspace,
            "miniprograms": self.miniprograms,
        }

    def filled_forms(self) -> list[InviteRowForm]:
        return [form for form in self.forms if form.is_filled]

    def clean(self):
        filled = len(self.filled_forms())
        if filled > MAX_INVITATIONS_PER_BATCH:
            raise ValidationError(
                gettext("You can invite at most %(max)d people at once (you added %(count)d).")
                % {"max": MAX_INVITATIONS_PER_BATCH, "count": filled}
            )
        if filled == 0 and not any(form.errors for form in self.forms):
            raise ValidationError(_("Add at least one person to invite."))

    def add_error(self, error: ValidationError) -> None:
        """Put a refusal from the service on top of the form (the rows keep their input).

        Rows whose address the refusal names ("Already a member: …") are marked too: on their
        mini programs when the refusal is about those (code "app_ids"), else on the email.
        """
        messages = [m for e in error.error_list for m in e.messages]
        self.non_form_errors().extend(messages)  # non_form_errors() runs full_clean first
        for problem in error.error_list:
            text = " ".join(problem.messages).lower()
            field = "app_ids" if problem.code == "app_ids" else "email"
            for form in self.filled_forms():
                email = normalize_email(form.cleaned_data.get("email") or "")
                named = re.search(rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)", text)
                if email and named and field not in form.errors:
                    form.add_error(field, gettext("See the problem above."))

    def specs(self) -> list[InviteSpec]:
        """The filled rows as the service's input (call after ``is_valid()``)."""
        return [
            InviteSpec(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                app_ids=tuple(form.cleaned_data["app_ids"]),
            )
            for form in self.filled_forms()
        ]


InviteFormSet = formset_factory(
    InviteRowForm,
    formset=BaseInviteFormSet,
    extra=INVITE_BLANK_ROWS,
    # Rows past the limit are still bound and shown, so the error keeps everything typed;
    # the limit on *filled* rows is checked in ``clean``. Anything beyond is not a person.
    max_num=MAX_INVITATIONS_PER_BATCH * 3,
    absolute_max=MAX_INVITATIONS_PER_BATCH * 3,
)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, workspace: Workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(workspace)


class MemberBlockForm(forms.Form):
    blocked = forms.TypedChoiceField(
        choices=(("1", _("Block")), ("0", _("Unblock"))), coerce=lambda value: value == "1"
    )


class MemberFilterForm(forms.Form):
    """The filters above the member list (GET). Unknown values fall back to "all"."""

    STATUS_CHOICES = (
        ("", _("All")),
        ("active", _("Active")),
        ("blocked", _("Blocked")),
        ("invited", _("Invited")),
    )

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or email")}),
    )

    def values(self) -> tuple[str, str]:
        """(status, query), or ("", "") for input that does not validate."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["status"] or "", (self.cleaned_data["q"] or "").strip()
