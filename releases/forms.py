"""Input shapes of the version pages (STYLE.md §3: no saving, no permissions).

The rules — version number format and order, package size, notes length, the trial's page and
query — are the services' (``releases.services.versions`` and ``.trial``); their
``ValidationError`` comes back onto these forms by field, in the same words the API answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from releases.grayscale.list_hold import list_held, list_hold
from releases.grayscale.models import NETWORKS
from releases.grayscale.services import LIST_FIELDS, TaskInput
from releases.grayscale.services.inputs import LIST_ERRORS_SHOWN
from releases.grayscale.targeting import parse_target_list
from releases.models import ReleaseTarget, Version
from releases.package.versioning import parse_version
from releases.release.services import NOTES_MAX as RELEASE_NOTES_MAX
from releases.serializers import MISSING_PACKAGE
from releases.services.trial import QUERY_MAX, version_pages
from releases.services.versions import NOTES_MAX, UPLOAD_LIMIT
from workspaces.models import HostApp

FIRST_VERSION = "1.0.0"  # what the first upload of a mini program is offered


class UploadForm(forms.Form):
    """Version number, notes and the package (streamed by ``releases.package.uploads``)."""

    version = forms.CharField(
        label=_("Version"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono", "size": 16}
        ),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed, for your team and the reviewers; up to 1,000 characters."),
    )
    package = forms.FileField(
        label=_("Package"),
        error_messages={"required": MISSING_PACKAGE, "empty": _("The package is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    field_order = ["package", "version", "notes"]

    def __init__(self, *args: Any, highest: str | None = None, **kwargs: Any) -> None:
        # The suggestion: 1.0.0 for the first upload, else the next patch after the highest
        # version ever uploaded (the help text says so; any greater number is accepted).
        suggested = FIRST_VERSION if highest is None else str(parse_version(highest).next_patch())
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", suggested)
        super().__init__(*args, **kwargs)
        self.highest = highest
        self.suggested = suggested
        rule = gettext("MAJOR.MINOR.PATCH, e.g. 1.4.0.")
        if highest:
            rule += " " + gettext(
                "It must be greater than %(highest)s, the highest version ever uploaded for this "
                "mini program."
            ) % {"highest": highest}
            rule += " " + gettext(
                "Suggested: %(suggested)s, the next patch; raise MINOR or MAJOR for bigger changes."
            ) % {"suggested": suggested}
        else:
            rule += " " + gettext(
                "Suggested: %(suggested)s, as this is the first version of this mini program."
            ) % {"suggested": suggested}
        self.fields["version"].help_text = rule
        limit_mb = UPLOAD_LIMIT // (1024 * 1024)
        self.fields["package"].help_text = gettext(
            "The .zip the IDE or the CLI builds, with app.json at its root. Under %(limit)s MB; "
            "from 8 MB it is accepted with a warning. Keep the main package and each "
            "subpackage within 2 MB."
        ) % {"limit": limit_mb}


class TrialForm(forms.Form):
    """The trial version: a ready version, one of its pages, an optional query."""

    version = forms.ChoiceField(label=_("Version"))
    page_path = forms.ChoiceField(
        label=_("Page to open"),
        help_text=_("A page of the chosen version, as its app.json lists it."),
    )
    query = forms.CharField(
        label=_("Query"),
        required=False,
        max_length=QUERY_MAX,
        widget=forms.TextInput(attrs={"placeholder": "a=1&b=2", "spellcheck": "false"}),
        help_text=_("Passed to the page, like a=1&b=2; up to 200 characters."),
    )

    def __init__(self, *args: Any, versions: list[Version], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {v.number: v for v in versions}
        self.fields["version"].choices = [(v.number, v.number) for v in versions]
        # Every ready version's pages, grouped by version: without JavaScript the select still
        # offers them all (the service says when a page is not the chosen version's); the
        # script shows only the chosen version's group.
        self.fields["page_path"].choices = [
            (v.number, [(page, page) for page in version_pages(v)]) for v in versions
        ]

    def chosen_version(self) -> Version:
        return self.versions[self.cleaned_data["version"]]


class DiffForm(forms.Form):
    """The select of which version to compare with (the one before by default). It only
    offers the choice: the view resolves it with ``selectors.version_diff_base``, the API's rule
    too, so a name the select does not offer is refused with the API's sentence."""

    against = forms.ChoiceField(label=_("Compare with"), required=False)

    def __init__(self, *args: Any, numbers: list[str], current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["against"].choices = [("", gettext("The version before"))] + [
            (n, n) for n in numbers if n != current
        ]


def refuse_package(form: UploadForm, message: str) -> UploadForm:
    """The stream was refused at the size limit: that is the one problem to show (the rest of
    the body was never read, so the other fields' errors would only mislead)."""
    form.errors.clear()
    form.add_error("package", message)
    return form


class _ChoiceGroup:
    """A radio or checkbox group whose ``id_for_label`` names the group (its fieldset), so the
    error summary's link jumps to it (Django's answers "" for a whole group)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        if index is None:
            return id_
        return super().id_for_label(id_, index)  # type: ignore[misc]


class _Radios(_ChoiceGroup, forms.RadioSelect):
    pass


class _Checkboxes(_ChoiceGroup, forms.CheckboxSelectMultiple):
    pass


class SubmitForm(forms.Form):
    """Submit a ready version for release: one environment, some of the mini program's active
    host apps, notes for the reviewers. The rules (ready, active host apps, a target without a
    release in progress, 1,000 characters of notes) are ``release_submit``'s; its refusals come
    back here by field."""

    environment = forms.ChoiceField(
        label=_("Environment"),
        choices=ReleaseTarget.Environment.choices,
        widget=_Radios,
        error_messages={"required": _("Choose the environment to release to.")},
    )
    host_app_ids = forms.TypedMultipleChoiceField(
        label=_("Host apps"),
        coerce=int,
        widget=_Checkboxes,
        error_messages={"required": _("Choose at least one host app to release to.")},
    )
    notes = forms.CharField(
        label=_("Notes for the reviewers"),
        required=False,
        # No max_length here: the service counts the cleaned text and says so in its words.
        widget=forms.Textarea(
            attrs={"rows": 4, "maxlength": RELEASE_NOTES_MAX, "data-counter": "chars"}
        ),
        help_text=_("What changed and what to check; up to 1,000 characters."),
    )

    def __init__(self, *args: Any, host_apps: list[HostApp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        host_app_field = self.fields["host_app_ids"]
        assert isinstance(host_app_field, forms.TypedMultipleChoiceField)
        host_app_field.choices = [(app.pk, app.name) for app in host_apps]
        self.fields["notes"].widget.attrs["data-max"] = RELEASE_NOTES_MAX


# --- grayscale tasks (issue 11) -------------------------------------------------------------------

NETWORK_LABELS: dict[str, Any] = {
    "wifi": _("Wi-Fi"),
    "5g": _("5G"),
    "4g": _("4G"),
    "3g": _("3G"),
    "2g": _("2G"),
    "unknown": _("Unknown"),
}
LIST_FILE_MAX = 16 * 1024 * 1024  # 100,000 lines of up to 128 characters, with room to spare
SCHEDULE_ROWS = 6
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
_DATETIME_INPUTS = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _local_datetime(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=_DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("Enter a date and time, like 2026-05-01 09:30.")},
    )


def _bound(label: Any, placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={"placeholder": placeholder, "spellcheck": "false", "class": "input mono"}
        ),
    )


def _list_text(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"}),
    )


def _list_file(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,text/plain"}),
    )


def _read_list_file(upload: Any) -> str:
    """An uploaded .txt list as text (the parser reports its bad lines by number)."""
    if not (getattr(upload, "name", "") or "").lower().endswith(".txt"):
        raise forms.ValidationError(gettext("Upload a .txt file: one value per line."))
    if upload.size > LIST_FILE_MAX:
        raise forms.ValidationError(gettext("The file is too large for 100,000 lines."))
    raw = b"".join(upload.chunks())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(gettext("The file is not UTF-8 text.")) from exc


@dataclass(frozen=True)
class KeptList:
    """A list file kept from an earlier submit: its token for the page, name and size."""

    token: str
    name: str
    count: int


class GrayscaleTaskForm(forms.Form):
    """A new grayscale task. The form only reads the input's shape (numbers, dates, files);
    the rules (name length, times, ranges, lists by line, percentage, schedule, the version's
    review and the online version) are ``grayscale_task_create``'s, whose sentences come back
    here by field (``grayscale_form_errors``)."""

    version = forms.ChoiceField(label=_("Version"))
    name = forms.CharField(
        label=_("Name"),
        strip=False,
        error_messages={"required": _("Give the task a name.")},
        widget=forms.TextInput(attrs={"data-counter-max": 20, "autocomplete": "off"}),
        help_text=_("Up to 20 characters, for your team: “Spring cohort”, “Beta testers”."),
    )
    starts_at = _local_datetime(_("Start"))
    ends_at = _local_datetime(_("End"))
    max_users = forms.IntegerField(
        label=_("Maximum number of users"),
        min_value=1,
        widget=forms.NumberInput(attrs={"min": 1, "step": 1, "class": "input-narrow"}),
        help_text=_("Once this many users got the version, nobody new enters (and the task ends)."),
        error_messages={"required": _("Give the maximum number of users.")},
    )
    host_app_version_min = _bound(_("Lowest host app version"), "8.0")
    host_app_version_max = _bound(_("Highest host app version"), "8.9.9")
    android = forms.BooleanField(label=_("Android"), required=False)
    android_min = _bound(_("Lowest Android version"), "10")
    android_max = _bound(_("Highest Android version"), "")
    ios = forms.BooleanField(label=_("iOS"), required=False)
    ios_min = _bound(_("Lowest iOS version"), "15")
    ios_max = _bound(_("Highest iOS version"), "")
    guids = _list_text(_("GUIDs"))
    guids_file = _list_file(_("GUIDs (.txt)"))
    device_ids = _list_text(_("Device ids"))
    device_ids_file = _list_file(_("Device ids (.txt)"))
    accounts = _list_text(_("User accounts"))
    accounts_file = _list_file(_("User accounts (.txt)"))
    networks = forms.MultipleChoiceField(
        label=_("Network types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any network."),
    )
    percentage = forms.DecimalField(
        label=_("Percentage of the matching users"),
        required=False,
        max_digits=9,
        decimal_places=3,
        widget=forms.NumberInput(
            attrs={"min": "0.001", "max": 100, "step": "any", "class": "input-narrow"}
        ),
        help_text=_(
            "More than 0, at most 100; empty: no share condition. Each user gets a sticky bucket, "
            "so raising it later keeps everyone already in. It may only go up."
        ),
    )

    LISTS = ("guids", "device_ids", "accounts")

    def __init__(
        self, *args: Any, versions: list[Version], user_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Whose list files may be held between submits (see grayscale.list_hold); None: never.
        self.user_id = user_id
        self.kept: dict[str, KeptList] = {}  # list field → the file held for it
        self._chosen: dict[str, tuple[str, str]] = {}  # list field → (file name, text) posted now
        self.versions = {v.number: v for v in versions}
        version = self.fields["version"]
        assert isinstance(version, forms.ChoiceField)
        version.choices = [(v.number, v.number) for v in versions]
        networks = self.fields["networks"]
        assert isinstance(networks, forms.MultipleChoiceField)
        networks.choices = [(n, NETWORK_LABELS[n]) for n in NETWORKS]
        for step in range(1, SCHEDULE_ROWS + 1):
            self.fields[f"step_{step}_percentage"] = forms.DecimalField(
                label=gettext("Step %(n)s percentage") % {"n": step},
                required=False,
                max_digits=9,
                decimal_places=3,
                widget=forms.NumberInput(
                    attrs={"min": "0.001", "max": 100, "step": "any", "class": "input"}
                ),
            )
            self.fields[f"step_{step}_hours"] = forms.DecimalField(
                label=gettext("Step %(n)s hold (hours)") % {"n": step},
                required=False,
                max_digits=8,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"min": 0, "step": "any", "class": "input"}),
            )

    def schedule_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"step_{n}_percentage"], self[f"step_{n}_hours"])
            for n in range(1, SCHEDULE_ROWS + 1)
        ]

    def list_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, KeptList | None]]:
        """Each list: its text box, its file input and the file kept for it (or ``None``)."""
        return [(self[name], self[f"{name}_file"], self.kept.get(name)) for name in self.LISTS]

    def _held_text(self, name: str) -> str | None:
        """The text of the list file kept for ``name`` by an earlier submit (its token on the
        page), unless the person chose to drop it; an error when the token is no good."""
        token = str(self.data.get(self.add_prefix(f"{name}_token")) or "").strip()
        if not token or self.data.get(self.add_prefix(f"{name}_drop")):
            return None
        kind = LIST_FIELDS[name]
        held = (
            None
            if self.user_id is None
            else list_held(token=token, kind=kind, user_id=self.user_id)
        )
        if held is None:
            self.add_error(
                f"{name}_file",
                forms.ValidationError(
                    gettext(
                        "The file chosen earlier could not be kept (the page was open for more "
                        "than an hour, or was changed): choose it again."
                    ),
                    code="list_hold",
                ),
            )
            return None
        self.kept[name] = KeptList(token=token, name=held.name, count=held.count)
        return held.text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.LISTS:
            upload = data.get(f"{name}_file")
            if upload:  # a newly chosen file wins over a kept one
                try:
                    text: str | None = _read_list_file(upload)
                except forms.ValidationError as exc:
                    self.add_error(f"{name}_file", exc)
                    continue
                self._chosen[name] = (upload.name or "", text or "")
            else:
                text = self._held_text(name)
            if text is None:
                continue
            typed = data.get(name) or ""
            data[name] = f"{typed}\n{text}" if typed.strip() else text
        return data

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid:
            # The service is not asked this time: say now what is wrong in a chosen file.
            self.hold_lists(report=True)
        return valid

    def hold_lists(self, *, report: bool = False) -> None:
        """The page is coming back with problems: keep each list file chosen now whose every
        line is valid, so the next submit need not choose it again (its token on the page). A
        file with a bad line is not kept; with ``report`` its bad lines are named on it (by
        their number in the file)."""
        for name, (filename, text) in self._chosen.items():
            values, errors = parse_target_list(text, kind=LIST_FIELDS[name])
            if errors:
                if report:
                    shown = [
                        gettext("%(file)s, line %(line)s: %(problem)s")
                        % {"file": filename, "line": line, "problem": problem}
                        for line, problem in errors[:LIST_ERRORS_SHOWN]
                    ]
                    if len(errors) > LIST_ERRORS_SHOWN:
                        shown.append(
                            gettext("… and %(n)s more lines with problems.")
                            % {"n": len(errors) - LIST_ERRORS_SHOWN}
                        )
                    self.add_error(f"{name}_file", shown)
                continue
            if values and self.user_id is not None:
                token, held = list_hold(
                    name=filename, values=values, kind=LIST_FIELDS[name], user_id=self.user_id
                )
                self.kept[name] = KeptList(token=token, name=held.name, count=held.count)
        self._chosen.clear()

    def chosen_version(self) -> Version:
        return self.versions[self.cleaned_data["version"]]

    def task_input(self) -> TaskInput:
        """The cleaned input as the service takes it (``TaskInput``)."""
        data = self.cleaned_data
        platforms = {
            name: [data[f"{name}_min"], data[f"{name}_max"]]
            for name in ("android", "ios")
            if data.get(name)
        }
        schedule = []
        for n in range(1, SCHEDULE_ROWS + 1):
            share, hours = data.get(f"step_{n}_percentage"), data.get(f"step_{n}_hours")
            if share is None and hours is None:
                continue
            schedule.append(
                [share if share is not None else "", hours if hours is not None else ""]
            )
        return TaskInput(
            name=data["name"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            max_users=data["max_users"],
            host_app_version_min=data["host_app_version_min"],
            host_app_version_max=data["host_app_version_max"],
            platforms=platforms or None,
            networks=data["networks"],
            guids=data["guids"],
            device_ids=data["device_ids"],
            accounts=data["accounts"],
            percentage=data["percentage"],
            schedule=schedule or None,
        )


# Where each of the service's field names shows on the form (a group's first field).
GRAYSCALE_ERROR_FIELDS = {
    "host_app_version": "host_app_version_min",
    "platforms": "android_min",
    "schedule": "step_1_percentage",
}
# The version rules' codes: shown next to the version.
GRAYSCALE_VERSION_CODES = frozenset({"not_approved", "first_release", "online", "not_higher"})


def grayscale_form_errors(form: GrayscaleTaskForm, exc: ValidationError) -> None:
    """Put ``grayscale_task_create``'s refusal on the form, next to the fields it names, and
    keep the list files chosen with it (``hold_lists``)."""
    form.hold_lists()
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = GRAYSCALE_ERROR_FIELDS.get(key, key)
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return
    for error in exc.error_list:
        code = getattr(error, "code", None)
        form.add_error("version" if code in GRAYSCALE_VERSION_CODES else None, error)


class GrayscalePercentageForm(forms.Form):
    percentage = forms.DecimalField(
        label=_("New percentage"),
        max_digits=9,
        decimal_places=3,
        error_messages={"required": _("Give the new percentage.")},
    )


class GrayscaleReplaceForm(forms.Form):
    version = forms.CharField(label=_("Newer version"))


class AudienceForm(forms.Form):
    """A launch as the SDK describes it (every field optional), for the audience preview."""

    PLATFORMS = [
        ("", _("Not given")),
        ("android", _("Android")),
        ("ios", _("iOS")),
        ("harmonyos", _("HarmonyOS")),
    ]

    host_app_version = _bound(_("Host app version"), "8.2.1")
    platform = forms.ChoiceField(label=_("Platform"), required=False, choices=PLATFORMS)
    os_version = _bound(_("OS version"), "14")
    user_account = forms.CharField(label=_("User account"), required=False, max_length=128)
    device_id = forms.CharField(label=_("Device id"), required=False, max_length=128)
    guid = forms.CharField(label=_("GUID"), required=False, max_length=128)
    network = forms.ChoiceField(label=_("Network"), required=False)
    language = forms.CharField(
        label=_("Language"),
        required=False,
        max_length=35,
        widget=forms.TextInput(attrs={"placeholder": "zh-Hans", "spellcheck": "false"}),
    )
    subpackages = forms.BooleanField(
        label=_("The SDK loads subpackages"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        network = self.fields["network"]
        assert isinstance(network, forms.ChoiceField)
        network.choices = [("", gettext("Not given"))] + [(n, NETWORK_LABELS[n]) for n in NETWORKS]
        for name in ("user_account", "device_id", "guid"):
            self.fields[name].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})
