"""Members and invitations: ``/w/<slug>/members/…`` (STYLE.md §6: thin views).

Reads go through selectors, writes through ``services/members.py`` and
``services/invitations.py``, which check capabilities themselves: a POST without the capability
raises ``CapabilityDenied`` and ends on the 403 page. Ids are looked up inside the current
workspace first, so another workspace's membership or invitation id answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.views import View
from django.views.generic.base import ContextMixin

from console.paging import page_size, paginate
from workspaces import authz
from workspaces.authz import Cap
from workspaces.forms.members import (
    BaseInviteFormSet,
    InviteFormSet,
    MemberBlockForm,
    MemberFilterForm,
    MemberRoleForm,
    assignable_roles,
)
from workspaces.mixins import WorkspaceMixin
from workspaces.models import Invitation, Membership
from workspaces.selectors import (
    MiniProgramRef,
    developer_assignment_map,
    invitation_get,
    invitation_list_filtered,
    member_get,
    member_list_filtered,
    member_status_counts,
    member_transfer_choices,
    miniprogram_choice_list,
    miniprogram_ref_map,
)
from workspaces.services.invitations import (
    INVITATION_TTL,
    MAX_INVITATIONS_PER_BATCH,
    invitation_create_batch,
    invitation_resend,
    invitation_withdraw,
)
from workspaces.services.members import (
    membership_change_role,
    membership_remove,
    membership_set_blocked,
    workspace_transfer_ownership,
)

_NOTHING = SafeString("")


@dataclass(frozen=True)
class MemberRow:
    """One row of the member table and the actions its viewer is offered.

    Offering is a courtesy: the services decide again on POST.
    """

    member: Membership
    role_label: str
    is_self: bool
    can_change_role: bool
    can_block: bool
    can_remove: bool
    can_transfer: bool
    can_leave: bool
    # Printed as they are by _member_rows.html (a page holds 50 rows, a Developer up to 50 mini
    # programs: per-row template work, translations and date filters, cost most of the page).
    person: str  # the name, or the email without one
    role_options: SafeString  # the role select's options, its role selected
    role_aria: str
    remove_aria: str
    miniprograms_html: SafeString  # "A, B" with each App ID as the title
    joined_iso: str  # ISO 8601 in the viewer's zone
    joined_title: str  # YYYY-MM-DD HH:MM and the zone's name
    joined_day: str
    is_developer: bool = False
    # A Developer's mini programs (those the viewer may see), by name.
    miniprograms: tuple[MiniProgramRef, ...] = ()
    html: SafeString = _NOTHING  # the whole <tr> (_MEMBER_ROW), what the table prints


def _role_options(roles: list[tuple[str, str]]) -> dict[str, SafeString]:
    """The role select's options with each role selected (once per page, not per row)."""
    return {
        selected: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if value == selected else "", label)
                for value, label in roles
            ),
        )
        for selected in {value for value, _label in roles} | {Membership.Role.OWNER.value}
    }


def _miniprograms_html(programs: tuple[MiniProgramRef, ...], app_id_title: str) -> SafeString:
    return format_html_join(
        ", ",
        '<span title="{}">{}</span>',
        ((app_id_title % {"app_id": mp.app_id}, mp.name) for mp in programs),
    )


def _member_rows(viewer: Membership, members: list[Membership]) -> list[MemberRow]:
    kind = viewer.workspace.kind
    options = _role_options(assignable_roles(viewer.workspace))
    app_id_title = gettext("App ID %(app_id)s")
    manage = authz.has_cap(viewer, Cap.MANAGE_MEMBERS)
    transfer = authz.has_cap(viewer, Cap.TRANSFER_OWNERSHIP)
    assigned = developer_assignment_map(
        workspace=viewer.workspace,
        user_ids=[m.user_id for m in members if m.role == Membership.Role.DEVELOPER],
        viewer=viewer,
    )
    rows = []
    for member in members:
        is_self = member.pk == viewer.pk
        is_owner = member.role == Membership.Role.OWNER
        managed = manage and not is_owner and not is_self
        person = member.user.name or member.user.email
        joined = timezone.localtime(member.created_at)
        programs = tuple(assigned.get(member.user_id, ()))
        rows.append(
            MemberRow(
                member=member,
                role_label=authz.role_label(member.role, kind),
                is_self=is_self,
                can_change_role=managed,
                can_block=managed,
                can_remove=managed,
                can_transfer=transfer and not is_self and member.is_active,
                can_leave=is_self and not is_owner,
                is_developer=member.role == Membership.Role.DEVELOPER,
                miniprograms=programs,
                person=person,
                role_options=options.get(member.role, SafeString("")),
                role_aria=gettext("Role of %(person)s") % {"person": person},
                remove_aria=gettext("Remove %(person)s") % {"person": person},
                miniprograms_html=_miniprograms_html(programs, app_id_title),
                joined_iso=dateformat.format(joined, "c"),
                joined_title=dateformat.format(joined, "Y-m-d H:i e"),
                joined_day=dateformat.format(joined, "Y-m-d"),
            )
        )
    labels = _RowLabels.now()
    members_url = reverse("workspaces:members", args=[viewer.workspace.slug])
    sees_all = authz.has_role_cap(viewer, Cap.VIEW_MINIPROGRAM)
    return [replace(row, html=_member_row_html(row, labels, members_url, sees_all)) for row in rows]


# A row of the member table (the bytes _member_rows.html wrote per row, which cost ~0.1 ms a
# row in the template engine), filled by format_html: values escaped, the parts safe HTML.
_MEMBER_ROW = (
    "<tr>\n"
    '  <td><strong>{name}</strong>{you}<div class="muted small">{email}</div></td>\n'
    "  <td>{role}\n"
    "  {assigned}</td>\n"
    "  <td>{status}</td>\n"
    '  <td class="nowrap"><time datetime="{joined_iso}" title="{joined_title}">{joined_day}</time>'
    "</td>\n"
    '  <td class="actions"><div class="row-actions">\n'
    "    {block}\n"
    "    {remove}\n"
    "    {leave}\n"
    "  </div></td>\n"
    "</tr>"
)
_ROLE_FORM = (
    '<span class="inline-form">\n'
    '      <select name="role-{pk}" form="member-actions" class="input input-small" '
    'aria-label="{aria}">\n'
    "        {options}\n"
    "      </select>\n"
    '      <button type="submit" form="member-actions" formaction="{url}{pk}/role/" '
    'class="button button-small">{save}</button>\n'
    "    </span>"
)
_BLOCK = (
    '<button type="submit" form="member-actions" formaction="{url}{pk}/block/" name="blocked" '
    'value="1" class="button button-small" data-confirm-use="block" '
    'data-confirm-subject="{person}">{label}</button>'
)
_UNBLOCK = (
    '<button type="submit" form="member-actions" formaction="{url}{pk}/block/" name="blocked" '
    'value="0" class="button button-small">{label}</button>'
)
_REMOVE = (
    '<button type="submit" form="member-actions" formaction="{url}{pk}/remove/" '
    'class="button button-small button-danger" data-confirm-use="remove" '
    'data-confirm-subject="{person}" data-confirm-detail="{email}" aria-label="{aria}">'
    "{label}</button>"
)
_LEAVE = (
    '<button type="submit" form="member-actions" formaction="{url}{pk}/remove/" '
    'class="button button-small button-danger" data-confirm-use="leave">{label}</button>'
)


@dataclass(frozen=True)
class _RowLabels:
    """The table's words, translated once per page."""

    save: str
    active: SafeString
    blocked: SafeString
    block: str
    unblock: str
    remove: str
    you: SafeString
    miniprograms: str
    none_assigned: SafeString
    leave: str

    @classmethod
    def now(cls) -> _RowLabels:
        return cls(
            save=gettext("Save"),
            active=format_html('<span class="badge badge-green">{}</span>', gettext("Active")),
            blocked=format_html('<span class="badge badge-red">{}</span>', gettext("Blocked")),
            block=gettext("Block"),
            unblock=gettext("Unblock"),
            remove=gettext("Remove"),
            you=format_html(' <span class="muted small">({})</span>', gettext("you")),
            miniprograms=gettext("Mini programs:"),
            none_assigned=format_html(
                '<div class="muted small">{}</div>', gettext("No mini programs assigned")
            ),
            leave=gettext("Leave workspace"),
        )


def _member_row_html(
    row: MemberRow, labels: _RowLabels, members_url: str, sees_all_miniprograms: bool
) -> SafeString:
    member, pk, person = row.member, row.member.pk, row.person
    email = member.user.email
    role: SafeString | str = row.role_label
    if row.can_change_role:
        role = format_html(
            _ROLE_FORM,
            pk=pk,
            aria=row.role_aria,
            options=row.role_options,
            url=members_url,
            save=labels.save,
        )
    assigned = _NOTHING
    if row.is_developer and row.miniprograms:
        assigned = format_html(
            '<div class="muted small">{} {}</div>', labels.miniprograms, row.miniprograms_html
        )
    elif row.is_developer and sees_all_miniprograms:
        assigned = labels.none_assigned
    block = _NOTHING
    if row.can_block and member.is_active:
        block = format_html(_BLOCK, url=members_url, pk=pk, person=person, label=labels.block)
    elif row.can_block:
        block = format_html(_UNBLOCK, url=members_url, pk=pk, label=labels.unblock)
    remove = _NOTHING
    if row.can_remove:
        remove = format_html(
            _REMOVE,
            url=members_url,
            pk=pk,
            person=person,
            email=email,
            aria=row.remove_aria,
            label=labels.remove,
        )
    leave = _NOTHING
    if row.can_leave:
        leave = format_html(_LEAVE, url=members_url, pk=pk, label=labels.leave)
    return format_html(
        _MEMBER_ROW,
        name=member.user.name or "—",
        you=labels.you if row.is_self else _NOTHING,
        email=email,
        role=role,
        assigned=assigned,
        status=labels.active if member.is_active else labels.blocked,
        joined_iso=row.joined_iso,
        joined_title=row.joined_title,
        joined_day=row.joined_day,
        block=block,
        remove=remove,
        leave=leave,
    )


@dataclass(frozen=True)
class InvitationRow:
    invitation: Invitation
    role_label: str
    is_expired: bool
    # The mini programs a Developer will be assigned to (those still there), by name.
    miniprograms: tuple[MiniProgramRef, ...] = ()


def _invitation_rows(viewer: Membership, invitations: list[Invitation]) -> list[InvitationRow]:
    kind = viewer.workspace.kind
    programs = miniprogram_ref_map(
        workspace=viewer.workspace,
        app_ids={app_id for i in invitations for app_id in i.app_ids},
        viewer=viewer,
    )
    return [
        InvitationRow(
            invitation=invitation,
            role_label=authz.role_label(invitation.role, kind),
            is_expired=invitation.is_expired(),
            miniprograms=tuple(
                sorted(
                    (programs[a] for a in invitation.app_ids if a in programs),
                    key=lambda mp: (mp.name.casefold(), mp.app_id),
                )
            ),
        )
        for invitation in invitations
    ]


class MemberListView(WorkspaceMixin, ContextMixin, View):
    """Members (paginated, filterable) and the pending invitations, for every member."""

    required_cap = Cap.VIEW_MEMBERS
    template_name = "workspaces/members/list.html"

    def get(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        filters = MemberFilterForm(request.GET)
        status, query = filters.values()
        context = self.get_context_data(
            filters=filters,
            status=status,
            query=query,
            counts=member_status_counts(workspace=self.workspace),
            role_choices=assignable_roles(self.workspace),
            # Developers see only their own mini programs: "none assigned" would mislead them.
            sees_all_miniprograms=authz.has_role_cap(self.membership, Cap.VIEW_MINIPROGRAM),
        )
        if not (status or query) and authz.has_cap(self.membership, Cap.TRANSFER_OWNERSHIP):
            # The "Transfer ownership" section, apart from the rows: who may become the owner.
            candidates = member_transfer_choices(
                workspace=self.workspace, exclude_id=self.membership.pk
            )
            context["transfer_candidates"] = candidates
            # Every active member: written at once, not by a template loop per option.
            context["transfer_options"] = format_html_join(
                "", '<option value="{}">{}</option>', candidates
            )
            context["admin_role_label"] = authz.role_label(
                Membership.Role.ADMIN, self.workspace.kind
            )
        if status != "invited":
            members = member_list_filtered(workspace=self.workspace, status=status, query=query)
            page = paginate(members, request)
            context["page_obj"] = page
            rows = _member_rows(self.membership, list(page.object_list))
            context["rows"] = rows
            # The shared form carries only the confirmations some row of this page asks for.
            context["asks_block"] = any(r.can_block for r in rows)
            context["asks_remove"] = any(r.can_remove for r in rows)
            context["asks_leave"] = any(r.can_leave for r in rows)
        if status in ("", "invited"):
            invitations = invitation_list_filtered(workspace=self.workspace, query=query)
            if status == "invited":
                page = paginate(invitations, request)
                context["page_obj"] = page
                shown = list(page.object_list)
            else:
                # Beside the members, the newest invitations; "Invited" lists them all.
                shown = list(invitations[: page_size() + 1])
                context["more_invitations"] = len(shown) > page_size()
                shown = shown[: page_size()]
            context["invitation_rows"] = _invitation_rows(self.membership, shown)
        return render(request, self.template_name, context)


class InviteView(WorkspaceMixin, ContextMixin, View):
    """Invite up to 10 people at once; all or nothing, every typed value kept on error."""

    required_cap = Cap.MANAGE_MEMBERS
    template_name = "workspaces/members/invite.html"

    def get(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        return self._render(request, self._formset())

    def post(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        formset = self._formset(request.POST)
        if not formset.is_valid():
            return self._render(request, formset)
        try:
            invitations = invitation_create_batch(actor=self.membership, specs=formset.specs())
        except ValidationError as exc:
            formset.add_error(exc)
            return self._render(request, formset)
        count = len(invitations)
        messages.success(
            request,
            ngettext(
                "Invited %(count)d person. They get an email with a link valid for %(days)d days.",
                "Invited %(count)d people. Each gets an email with a link valid for %(days)d days.",
                count,
            )
            % {"count": count, "days": INVITATION_TTL.days},
        )
        return redirect("workspaces:members", self.workspace.slug)

    def _formset(self, data=None) -> BaseInviteFormSet:
        return InviteFormSet(
            data,
            workspace=self.workspace,
            miniprograms=miniprogram_choice_list(workspace=self.workspace),
            prefix="invite",
        )

    def _render(self, request: HttpRequest, formset) -> HttpResponse:
        context = self.get_context_data(
            formset=formset,
            max_rows=MAX_INVITATIONS_PER_BATCH,
            ttl_days=INVITATION_TTL.days,
            role_choices=assignable_roles(self.workspace),
            has_miniprograms=bool(formset.miniprograms),
        )
        return render(request, self.template_name, context)


class _MemberActionView(WorkspaceMixin, View):
    """A POST on one membership of this workspace; GET answers 405."""

    http_method_names = ["post"]
    required_cap = Cap.VIEW_MEMBERS  # the service checks the real capability

    def member(self, membership_id: int) -> Membership:
        member = member_get(workspace=self.workspace, membership_id=membership_id)
        if member is None:
            raise Http404("No such member in this workspace.")
        return member

    def back(self) -> HttpResponse:
        return redirect("workspaces:members", self.workspace.slug)


def _person(member: Membership) -> str:
    return member.user.name or member.user.email


class MemberRoleView(_MemberActionView):
    def post(self, request: HttpRequest, workspace_slug: str, membership_id: int) -> HttpResponse:
        member = self.member(membership_id)
        # The member list sends its one shared form: each row's select is "role-<id>".
        chosen = request.POST.get("role") or request.POST.get(f"role-{member.pk}", "")
        form = MemberRoleForm({"role": chosen}, workspace=self.workspace)
        if not form.is_valid():
            authz.require(self.membership, Cap.MANAGE_MEMBERS)  # 403 before "bad input"
            messages.error(request, gettext("Choose one of the roles offered."))
            return self.back()
        try:
            member = membership_change_role(
                actor=self.membership, membership_id=member.pk, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        messages.success(
            request,
            gettext("%(person)s is now %(role)s.")
            % {
                "person": _person(member),
                "role": authz.role_label(member.role, self.workspace.kind),
            },
        )
        return self.back()


class MemberBlockView(_MemberActionView):
    def post(self, request: HttpRequest, workspace_slug: str, membership_id: int) -> HttpResponse:
        member = self.member(membership_id)
        form = MemberBlockForm(request.POST)
        if not form.is_valid():
            authz.require(self.membership, Cap.MANAGE_MEMBERS)
            messages.error(request, gettext("Say whether to block or unblock."))
            return self.back()
        blocked = form.cleaned_data["blocked"]
        try:
            member = membership_set_blocked(
                actor=self.membership, membership_id=member.pk, blocked=blocked
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        if blocked:
            text = gettext("%(person)s is blocked: they cannot open %(workspace)s any more.")
        else:
            text = gettext("%(person)s is unblocked and can open %(workspace)s again.")
        messages.success(request, text % {"person": _person(member), "workspace": self.workspace})
        return self.back()


class MemberRemoveView(_MemberActionView):
    """Remove a member, or leave the workspace when the membership is the actor's own."""

    def post(self, request: HttpRequest, workspace_slug: str, membership_id: int) -> HttpResponse:
        member = self.member(membership_id)
        leaving = member.pk == self.membership.pk
        try:
            membership_remove(actor=self.membership, membership_id=member.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        if leaving:
            messages.success(
                request, gettext("You left %(workspace)s.") % {"workspace": self.workspace}
            )
            return redirect("console:home")
        messages.success(
            request,
            gettext("%(person)s was removed from %(workspace)s.")
            % {"person": _person(member), "workspace": self.workspace},
        )
        return self.back()


class _OwnershipTransferView(_MemberActionView):
    def transfer(self, request: HttpRequest, membership_id: int) -> HttpResponse:
        member = self.member(membership_id)
        try:
            member = workspace_transfer_ownership(actor=self.membership, membership_id=member.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        messages.success(
            request,
            gettext("%(person)s now owns %(workspace)s. You are now %(role)s.")
            % {
                "person": _person(member),
                "workspace": self.workspace,
                "role": authz.role_label(Membership.Role.ADMIN, self.workspace.kind),
            },
        )
        return self.back()


class MemberTransferView(_OwnershipTransferView):
    def post(self, request: HttpRequest, workspace_slug: str, membership_id: int) -> HttpResponse:
        return self.transfer(request, membership_id)


class MemberTransferChosenView(_OwnershipTransferView):
    """The Members page's "Transfer ownership" section: the new owner is chosen in a list."""

    def post(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        authz.require(self.membership, Cap.TRANSFER_OWNERSHIP)  # 403 before "bad input"
        try:
            membership_id = int(request.POST.get("membership_id", ""))
        except ValueError:
            messages.error(request, gettext("Choose the member who becomes the owner."))
            return self.back()
        return self.transfer(request, membership_id)


class _InvitationActionView(_MemberActionView):
    def invitation(self, invitation_id: int) -> Invitation:
        invitation = invitation_get(workspace=self.workspace, invitation_id=invitation_id)
        if invitation is None:
            raise Http404("No such invitation in this workspace.")
        return invitation


class InvitationWithdrawView(_InvitationActionView):
    def post(self, request: HttpRequest, workspace_slug: str, invitation_id: int) -> HttpResponse:
        invitation = self.invitation(invitation_id)
        try:
            invitation = invitation_withdraw(actor=self.membership, invitation_id=invitation.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        messages.success(
            request,
            gettext("The invitation to %(email)s was withdrawn; its link no longer works.")
            % {"email": invitation.email},
        )
        return self.back()


class InvitationResendView(_InvitationActionView):
    def post(self, request: HttpRequest, workspace_slug: str, invitation_id: int) -> HttpResponse:
        invitation = self.invitation(invitation_id)
        try:
            invitation = invitation_resend(actor=self.membership, invitation_id=invitation.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return self.back()
        messages.success(
            request,
            gettext(
                "Sent the invitation to %(email)s again, with a new link valid for %(days)d "
                "days. The previous link no longer works."
            )
            % {"email": invitation.email, "days": INVITATION_TTL.days},
        )
        return self.back()
