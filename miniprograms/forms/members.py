"""Members & testers and the quick start's members step: input shape only.

Who may be assigned or invited, and the tester rules (length, spaces, the 500 limit, all or
nothing), are the services' (``miniprograms.services.members``, ``workspaces.services.
invitations``); a .txt list is decoded here, because refusing a binary or non-UTF-8 file is
about the upload, not about the accounts in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from miniprograms.forms.filters import LongSelect
from miniprograms.services.members import NOTE_MAX, parse_tester_lines
from workspaces import authz
from workspaces.models import Membership, Workspace
from workspaces.services.invitations import InviteSpec

# Invite rows on the quick-start members step.
WIZARD_INVITE_ROWS = 3
# A tester list upload: one account per line, so a real list is far below this.
TESTER_FILE_MAX_BYTES = 64 * 1024

# --- members and testers ---------------------------------------------------------------------


class DeveloperAssignForm(forms.Form):
    # A workspace may hold 150 Developers: the long-list widget writes their options in one pass.
    user = forms.TypedChoiceField(label=_("Developer"), coerce=int, widget=LongSelect)

    def __init__(self, *args: Any, developers: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [
            ("", gettext("Choose a Developer…")),
            *(
                (m.user_id, f"{m.user.name} <{m.user.email}>" if m.user.name else m.user.email)
                for m in developers
            ),
        ]


class TestersAddForm(forms.Form):
    """Accounts typed one per line and/or a UTF-8 .txt list (one per line, ``#`` comments)."""

    accounts = forms.CharField(
        label=_("Accounts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_(
            "One account per line, as the host app knows the user: user id, phone or email."
        ),
    )
    file = forms.FileField(
        label=_("Or upload a list"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".txt,text/plain"}),
        help_text=_("A UTF-8 .txt file, one account per line, at most 64 KB."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": NOTE_MAX}),
        help_text=_("Who these testers are, e.g. “QA team, March”."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data.get("file")
        if not upload:
            return ""
        if upload.size > TESTER_FILE_MAX_BYTES:
            raise ValidationError(
                gettext("The file is %(size)d KB; the limit is 64 KB. Split the list.")
                % {"size": (upload.size + 1023) // 1024},
                code="too_large",
            )
        raw = upload.read(TESTER_FILE_MAX_BYTES + 1)
        if b"\x00" in raw:
            raise ValidationError(
                gettext("“%(name)s” is not a text file: upload a .txt list, one account per line.")
                % {"name": upload.name},
                code="binary",
            )
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                gettext(
                    "“%(name)s” is not UTF-8 text (unreadable bytes at position %(pos)d). Save "
                    "it as UTF-8 and upload it again."
                )
                % {"name": upload.name, "pos": exc.start},
                code="encoding",
            ) from exc

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not self.lines():
            raise ValidationError(
                gettext("Type at least one account, or upload a .txt list."), code="empty"
            )
        return data

    def lines(self) -> list[str]:
        """The typed accounts, then the file's, one per line (comments and blanks dropped)."""
        data = self.cleaned_data
        return parse_tester_lines(data.get("accounts") or "") + parse_tester_lines(
            data.get("file") or ""
        )


# --- the quick-start wizard, step 2 ----------------------------------------------------------


def invite_roles(workspace: Workspace) -> list[tuple[str, str]]:
    """(role, label) someone can be invited as: the workspace kind's roles but Owner."""
    return authz.assignable_role_choices(workspace.kind)


class WizardInviteRowForm(forms.Form):
    """One person to invite from the quick start. A row with neither name nor email is ignored;
    who may be invited (existing members, pending invitations, roles) is the service's rule."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=(), required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = invite_roles(workspace)
        self.fields["role"].initial = Membership.Role.DEVELOPER
        for field in ("name", "email"):
            self.fields[field].widget.attrs.update(autocomplete="off")

    @property
    def is_filled(self) -> bool:
        if not self.is_bound:
            return False
        return any((self.data.get(self.add_prefix(f)) or "").strip() for f in ("name", "email"))

    def clean(self):
        data = super().clean()
        if not self.is_filled:
            return data
        if not (data.get("name") or "").strip() and "name" not in self.errors:
            self.add_error("name", gettext("Give the person's name."))
        if not data.get("email") and "email" not in self.errors:
            self.add_error("email", gettext("Give the email address the invitation goes to."))
        if not data.get("role") and "role" not in self.errors:
            self.add_error("role", gettext("Choose the role the person gets."))
        return data


class BaseWizardInviteFormSet(BaseFormSet):
    """Optional rows: nothing typed means nobody is invited."""

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        self.workspace = workspace
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "workspace": self.workspace}

    def filled_forms(self) -> list[WizardInviteRowForm]:
        return [form for form in self.forms if form.is_filled]

    def specs(self, *, app_id: str) -> list[InviteSpec]:
        """Developers invited here are assigned to the new mini program when they join."""
        return [
            InviteSpec(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                app_ids=(app_id,) if form.cleaned_data["role"] == Membership.Role.DEVELOPER else (),
            )
            for form in self.filled_forms()
        ]


WizardInviteFormSet = formset_factory(
    WizardInviteRowForm,
    formset=BaseWizardInviteFormSet,
    extra=WIZARD_INVITE_ROWS,
    max_num=WIZARD_INVITE_ROWS,
    absolute_max=WIZARD_INVITE_ROWS,
)


class WizardMembersForm(forms.Form):
    """Step 2: assign Developers already in the workspace and/or invite people."""

    developers = forms.TypedMultipleChoiceField(
        label=_("Developers of the workspace"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        developers: Sequence[Membership],
        workspace: Workspace,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["developers"].choices = [
            (m.user_id, f"{m.user.name} ({m.user.email})" if m.user.name else m.user.email)
            for m in developers
        ]
        self.invites = WizardInviteFormSet(data, prefix="invite", workspace=workspace)

    def is_valid(self) -> bool:
        main = super().is_valid()
        rows = self.invites.is_valid()
        return main and rows

    @property
    def is_empty(self) -> bool:
        return not self.cleaned_data.get("developers") and not self.invites.filled_forms()

    def add_service_errors(self, exc: ValidationError) -> None:
        for message in exc.messages:
            self.add_error(None, message)
