"""Forms of the JSAPI pages: the catalogue's filters and edit form, the feature form, an
application (a reason) and a revocation (a reason). Rules are the services'; these parse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.jsapis.services import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    FEATURE_NAME_MAX,
    REASON_MAX,
    REASON_MIN,
)


class JsapiFilterForm(forms.Form):
    """The GET filters above the catalogue; unknown values fall back to "all"."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or description")}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    sensitive = forms.ChoiceField(
        label=_("Sensitivity"),
        required=False,
        choices=(("", _("All")), ("yes", _("Sensitive")), ("no", _("Not sensitive"))),
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        required=False,
        choices=(("", _("All")), ("android", "Android"), ("ios", "iOS")),
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All")), *((c, c) for c in categories)]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        sensitive = {"yes": True, "no": False}.get(data.get("sensitive") or "")
        return {
            "search": (data.get("q") or "").strip(),
            "category": data.get("category") or "",
            "sensitive": sensitive,
            "platform": data.get("platform") or "",
        }


class JsapiForm(forms.Form):
    category = forms.CharField(label=_("Category"), max_length=CATEGORY_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the call does, as developers read it; at most 300 characters."),
    )
    on_android = forms.BooleanField(label="Android", required=False)
    on_ios = forms.BooleanField(label="iOS", required=False)
    is_sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_(
            "A sensitive JSAPI is callable only by mini programs whose application you approved "
            "(or through a direct feature that bundles it). Changing this takes effect at once."
        ),
    )

    @classmethod
    def for_jsapi(cls, jsapi: Jsapi) -> JsapiForm:
        return cls(initial={name: getattr(jsapi, name) for name in cls.base_fields})


class JsapiFeatureForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=FEATURE_NAME_MAX, help_text=_("2–40 characters; unique.")
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=JsapiFeature.Access.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Direct: every mini program in your host apps may call its JSAPIs. Activation "
            "needed: a mini program applies and your Admins or Reviewers approve it."
        ),
    )
    jsapis = forms.TypedMultipleChoiceField(
        label=_("JSAPIs"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, jsapis: list[Jsapi], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jsapi_rows = jsapis
        self.fields["jsapis"].choices = [(j.pk, j.name) for j in jsapis]

    @classmethod
    def for_feature(cls, feature: JsapiFeature, *, jsapis: list[Jsapi]) -> JsapiFeatureForm:
        return cls(
            initial={
                "name": feature.name,
                "description": feature.description,
                "access": feature.access,
                "jsapis": [j.pk for j in feature.jsapis.all()],
            },
            jsapis=jsapis,
        )


class JsapiApplyForm(forms.Form):
    subject = forms.ChoiceField(label=_("Sensitive JSAPI or feature"))
    reason = forms.CharField(
        label=_("Why the mini program needs it"),
        min_length=REASON_MIN,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "10–500 characters. Say which page uses it and for what: the host app's reviewers "
            "decide from this."
        ),
    )

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("Choose…")), *subjects]

    def subject_ids(self) -> dict[str, int | None]:
        kind, _sep, pk = self.cleaned_data["subject"].partition(":")
        return {
            "jsapi_id": int(pk) if kind == "jsapi" else None,
            "feature_id": int(pk) if kind == "feature" else None,
        }


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccessFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), *JsapiApplication.State.choices],
    )

    def state_value(self) -> str:
        return (self.cleaned_data.get("state") or "") if self.is_valid() else ""
