"""The runtime answer's ``jsapis`` slot (see ``miniprograms.development.runtime``).

``(miniprogram_id, host_app_id) → {"allowed": [sorted JSAPI names]}`` for every host app the
mini program is released to (``None`` for any other pair): the host app's tenant catalogue's
non-sensitive JSAPIs, those of its direct features, and those the mini program's approved
applications open there (``selectors.allowed_names``). A tenant whose catalogue was never
opened answers the seed's default. Four queries per snapshot build, whatever the counts; equal
answers share one dict.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from miniprograms.jsapis.catalogue import DEFAULT_ALLOWED
from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.jsapis.selectors import allowed_names
from miniprograms.models import MiniProgramHostApp

JsapisOf = Callable[[int, int], "dict[str, Any] | None"]


def index(*, miniprogram_ids: Collection[int]) -> JsapisOf:
    """Read the JSAPI permissions of these mini programs in bulk; answer from memory."""
    ids = list(miniprogram_ids)
    if not ids:
        return lambda miniprogram_id, host_app_id: None
    targets = list(
        MiniProgramHostApp.objects.filter(miniprogram_id__in=ids).values_list(
            "miniprogram_id", "host_app_id", "host_app__workspace_id"
        )
    )
    tenant_ids = {tenant for _mp, _host, tenant in targets}
    catalogue: dict[int, list[tuple[int, str, bool]]] = {}
    for pk, tenant, name, sensitive in Jsapi.objects.filter(
        workspace_id__in=tenant_ids
    ).values_list("pk", "workspace_id", "name", "is_sensitive"):
        catalogue.setdefault(tenant, []).append((pk, name, sensitive))
    direct: dict[int, set[int]] = {}
    members: dict[int, list[int]] = {}  # activation feature → its JSAPIs
    Through = JsapiFeature.jsapis.through
    for feature_id, jsapi_id, tenant, access in Through.objects.filter(
        jsapifeature__workspace_id__in=tenant_ids
    ).values_list(
        "jsapifeature_id", "jsapi_id", "jsapifeature__workspace_id", "jsapifeature__access"
    ):
        if access == JsapiFeature.Access.DIRECT:
            direct.setdefault(tenant, set()).add(jsapi_id)
        else:
            members.setdefault(feature_id, []).append(jsapi_id)
    approved: dict[tuple[int, int], set[int]] = {}
    for mp, host, jsapi_id, feature_id in JsapiApplication.objects.filter(
        miniprogram_id__in=ids, state=JsapiApplication.State.APPROVED
    ).values_list("miniprogram_id", "host_app_id", "jsapi_id", "feature_id"):
        opened = approved.setdefault((mp, host), set())
        if jsapi_id is not None:
            opened.add(jsapi_id)
        else:
            opened.update(members.get(feature_id, ()))

    shared: dict[tuple[str, ...], dict[str, Any]] = {}

    def _answer(names: Collection[str]) -> dict[str, Any]:
        key = tuple(names)
        if key not in shared:
            shared[key] = {"allowed": list(key)}
        return shared[key]

    answers: dict[tuple[int, int], dict[str, Any]] = {}
    for mp, host, tenant in targets:
        jsapis = catalogue.get(tenant)
        if not jsapis:
            answers[(mp, host)] = _answer(DEFAULT_ALLOWED)
            continue
        answers[(mp, host)] = _answer(
            allowed_names(
                jsapis=jsapis,
                direct_feature_jsapi_ids=direct.get(tenant, ()),
                approved_jsapi_ids=approved.get((mp, host), ()),
            )
        )

    def jsapis_of(miniprogram_id: int, host_app_id: int) -> dict[str, Any] | None:
        return answers.get((miniprogram_id, host_app_id))

    return jsapis_of
