"""What the runtime API hands the SDK of a mini program's development settings (issue 12).

``releases.runtime.snapshot`` calls :func:`runtime_settings` once per snapshot build and then
asks the returned functions per answer, so each feature reads its rows in a few bulk queries
(never one query per mini program) and answers from memory. Each feature's ``runtime.index``
returns its function; a function returns ``None`` for "nothing configured" (the answer's slot
stays ``null``).

Every write that changes any of these answers calls ``workspaces.extensions.runtime_changed()``
inside its transaction, so every web process rebuilds its snapshot within the runtime bound.
Returned dicts are JSON-ready and must not be mutated (the snapshot encodes and shares them).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from miniprograms.domains import runtime as domains_runtime
from miniprograms.envvars import runtime as envvars_runtime
from miniprograms.jsapis import runtime as jsapis_runtime

# (miniprogram_id, host_app_id, version number) -> {"any": bool, "request": [...],
#  "uploadFile": [...], "downloadFile": [...], "socket": [...], "webview": [...]} | None
DomainsOf = Callable[[int, int, str], "dict[str, Any] | None"]
# (miniprogram_id, host_app_id) -> {"allowed": [JSAPI names, sorted]} | None
JsapisOf = Callable[[int, int], "dict[str, Any] | None"]
# (miniprogram_id, environment) -> {"KEY": "value", ...} | None
EnvOf = Callable[[int, str], "dict[str, str] | None"]


@dataclass(frozen=True, slots=True)
class RuntimeSettings:
    domains: DomainsOf
    jsapis: JsapisOf
    env: EnvOf


def runtime_settings(*, miniprogram_ids: Collection[int]) -> RuntimeSettings:
    """The development settings of these mini programs, as the runtime answer carries them."""
    return RuntimeSettings(
        domains=domains_runtime.index(miniprogram_ids=miniprogram_ids),
        jsapis=jsapis_runtime.index(miniprogram_ids=miniprogram_ids),
        env=envvars_runtime.index(miniprogram_ids=miniprogram_ids),
    )
