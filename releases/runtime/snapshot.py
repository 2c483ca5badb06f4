"""The runtime snapshot (issue 11): everything the runtime API answers with, compiled once per
process per runtime revision into immutable in-process structures, so a resolve call does no
database query at all.

One build reads, in a handful of queries and without loading model instances:

* the host apps' SDK keys → (id, secret hash, workspace);
* per (host app, App ID): the mini program (shelf state, released profile per language, tester
  whitelist, trial version) and whether the host app link is active or taken offline;
* per (host app, environment, App ID): the online version and the grayscale candidates
  (``releases.grayscale.selectors.grayscale_candidates``, compiled to ``targeting.Candidate``);
* every deliverable version's artifacts in both forms (complete; main + subpackages), each
  already encoded as JSON (``orjson.Fragment``) with its URL, size and SHA-256;
* the open releases a reviewer's preview token may name.

A mini program without a link to a host app is unknown to that host app's key: nothing of
another tenant's mini programs can be resolved with it (isolation by construction).
"""

from __future__ import annotations

import gc
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from miniprograms import languages
from miniprograms.models import MiniProgram, MiniProgramHostApp, MiniProgramTester
from miniprograms.profile import localized
from releases.grayscale import targeting
from releases.grayscale.selectors import grayscale_candidates
from releases.models import Artifact, Release, ReleaseTarget, TrialVersion, Version
from workspaces.models import HostApp

PRODUCTION = ReleaseTarget.Environment.PRODUCTION
ENVIRONMENTS = frozenset(ReleaseTarget.Environment.values)
# Releases whose version a preview token may open (the version under review, or approved).
PREVIEWABLE = (Release.State.UNDER_REVIEW, Release.State.APPROVED)
ARTIFACT_PREFIX = "/runtime/v1/artifacts/"
LOGO_PREFIX = "/runtime/v1/logos/"
MAX_PICKED = 64  # remembered language choices per mini program (requests choose the keys)
_MISSING = object()


@dataclass(frozen=True, slots=True)
class HostAppKey:
    id: int
    secret_hash: str
    workspace_id: int


@dataclass(frozen=True, slots=True)
class Build:
    """One version as the SDK downloads it: the complete form and the subpackaged form."""

    version_id: int
    number: str
    complete: orjson.Fragment | None
    split: orjson.Fragment | None  # main package + subpackages (+ their index)

    def artifact(self, subpackages: bool) -> orjson.Fragment | None:
        """The form the SDK can load: subpackaged when it loads subpackages and there is one,
        else the complete package."""
        if subpackages and self.split is not None:
            return self.split
        return self.complete


@dataclass(frozen=True, slots=True)
class Program:
    """A mini program as every host app it is linked to sees it."""

    id: int
    app_id: str
    on_shelf: bool
    default_language: str
    profiles: Mapping[str, orjson.Fragment]  # language → the localized profile (JSON)
    testers: frozenset[str]
    trial: Build | None
    trial_page: str
    # requested language → the profile chosen for it, remembered (at most MAX_PICKED) so a
    # launch does not run the language fallback again for every mini program it asks for.
    picked: dict[str, orjson.Fragment | None] = field(default_factory=dict, compare=False)

    def profile(self, requested: str) -> orjson.Fragment | None:
        """The released profile in the device's language (``languages.resolve_language``)."""
        if not self.profiles:
            return None
        found = self.picked.get(requested, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        chosen = languages.resolve_language(
            requested, available=self.profiles.keys(), default=self.default_language
        )
        found = self.profiles.get(chosen) or self.profiles.get(self.default_language)
        if len(self.picked) >= MAX_PICKED:
            self.picked.clear()
        self.picked[requested] = found
        return found


@dataclass(frozen=True, slots=True)
class Link:
    program: Program
    active: bool  # False: taken offline from this host app


class Target(NamedTuple):
    """One mini program on one host app in one environment (a tuple: a snapshot holds one per
    target, tens of thousands)."""

    id: int
    online: Build | None
    candidate: targeting.Candidate | None  # None: no delivering grayscale task
    builds: Mapping[str, Build]  # version number → build, for the grayscale versions


NO_BUILDS: Mapping[str, Build] = MappingProxyType({})  # shared by the targets without a task


@dataclass(frozen=True, slots=True)
class Preview:
    host_app_id: int
    app_id: str
    build: Build


@dataclass(slots=True)
class Snapshot:
    """Immutable answer data; ``auth_cache`` (successful credential checks) and ``admitted``
    (grayscale admissions seen) are the only things that grow (bounded), and they die with the
    snapshot when the revision moves."""

    revision: int
    host_apps: Mapping[str, HostAppKey]
    links: Mapping[tuple[int, str], Link]
    targets: Mapping[tuple[int, str, str], Target]
    previews: Mapping[int, Preview]
    files: Mapping[str, tuple[str, str]]  # sha256 → (storage name, content type)
    logos: Mapping[str, str]  # logo key → storage name
    auth_cache: dict[tuple[str, bytes], HostAppKey] = field(default_factory=dict)
    # (task, user key, limit) already admitted into a grayscale cohort: once admitted, always
    # served (``releases.grayscale.admission``), so this process need not ask again.
    admitted: set[tuple[int, str, int]] = field(default_factory=set)


def _fragment(value: Any) -> orjson.Fragment:
    """``value`` encoded once. ``orjson.dumps`` hands back a buffer of at least 4 KB however
    short the JSON: the copy keeps only the bytes (286 rather than 4,097 for an artifact)."""
    return orjson.Fragment(bytes(memoryview(orjson.dumps(value))))


_COMPLETE, _MAIN, _SUBPACKAGE, _INDEX = (
    str(kind.value)
    for kind in (
        Artifact.Kind.COMPLETE,
        Artifact.Kind.MAIN,
        Artifact.Kind.SUBPACKAGE,
        Artifact.Kind.INDEX,
    )
)
_JSON_TYPE, _ZIP_TYPE = "application/json", "application/zip"


def _builds(
    base: str, numbers: dict[int, str], rows: Iterable[tuple[Any, ...]]
) -> tuple[dict[int, Build], dict[str, tuple[str, str]]]:
    """version id → Build, and sha256 → (storage name, content type) for the download route.

    Only the versions in ``numbers`` are kept; each form is encoded once (``_fragment``), from
    plain tuples (the rows are not held: ``rows`` may be a streaming iterator)."""
    prefix = f"{base}{ARTIFACT_PREFIX}"
    # version id → {kind: (size, sha256)}, subpackages as [(root, url, size, sha256)]
    parts: dict[int, dict[str, Any]] = {}
    files: dict[str, tuple[str, str]] = {}
    for version_id, kind, root, name, size, sha256 in rows:
        files[sha256] = (name, _JSON_TYPE if kind == _INDEX else _ZIP_TYPE)
        got = parts.get(version_id)
        if got is None:
            got = parts[version_id] = {}
        if kind == _SUBPACKAGE:
            got.setdefault(_SUBPACKAGE, []).append((root, f"{prefix}{sha256}.zip", size, sha256))
        else:
            got[kind] = (size, sha256)
    builds = {}
    for version_id, number in numbers.items():
        got = parts.get(version_id) or {}
        complete = got.get(_COMPLETE)
        main = got.get(_MAIN)
        split = None
        if main is not None:
            index = got.get(_INDEX)
            subpackages = sorted(got.get(_SUBPACKAGE, ()))  # by root (unique per version)
            split = _fragment(
                {
                    "kind": "main",
                    "url": f"{prefix}{main[1]}.zip",
                    "size": main[0],
                    "sha256": main[1],
                    "subpackages": [
                        {"root": root, "url": url, "size": size, "sha256": sha256}
                        for root, url, size, sha256 in subpackages
                    ],
                    "index": {
                        "url": f"{prefix}{index[1]}.json",
                        "size": index[0],
                        "sha256": index[1],
                    }
                    if index is not None
                    else None,
                }
            )
        builds[version_id] = Build(
            version_id=version_id,
            number=number,
            complete=_fragment(
                {
                    "kind": "complete",
                    "url": f"{prefix}{complete[1]}.zip",
                    "size": complete[0],
                    "sha256": complete[1],
                    "subpackages": [],
                }
            )
            if complete is not None
            else None,
            split=split,
        )
    return builds, files


def _logo_key(app_id: str, logo: str) -> str:
    """``<app_id>/<digest of the storage key>``: a new logo is a new URL (cached forever)."""
    return f"{app_id}/{hashlib.sha256(logo.encode()).hexdigest()[:16]}"


def _profiles(base: str, app_id: str, released: dict[str, Any] | None) -> dict[str, Any]:
    """language → localized profile (JSON): the default language and every extra one."""
    if not released:
        return {}
    logo = released.get("logo") or ""
    logo_url = f"{base}{LOGO_PREFIX}{_logo_key(app_id, logo)}" if logo else None
    common = {
        "logo": logo_url,
        "industry": released.get("industry", ""),
        "service_phone": released.get("service_phone", ""),
        "service_email": released.get("service_email", ""),
    }
    default = released.get("default_language") or "en"
    out = {}
    for language in {default, *(released.get("languages") or {})}:
        out[language] = _fragment({**localized(released, language), **common})
    return out


def snapshot_build(*, revision: int) -> Snapshot:
    """Compile the snapshot labelled ``revision`` (read the revision BEFORE calling: data newer
    than its label is harmless, the next check rebuilds).

    The cyclic garbage collector is paused meanwhile: the build makes hundreds of thousands of
    containers and no cycles, and every collection pass would walk all of them again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(revision)
    finally:
        if enabled:
            gc.enable()


def _build(revision: int) -> Snapshot:
    base = settings.SITE_URL
    host_apps = {
        key: HostAppKey(id=pk, secret_hash=secret_hash, workspace_id=workspace_id)
        for pk, key, secret_hash, workspace_id in HostApp.objects.order_by().values_list(
            "id", "app_key", "secret_hash", "workspace_id"
        )
    }
    link_rows = list(
        MiniProgramHostApp.objects.order_by().values_list("miniprogram_id", "host_app_id", "status")
    )
    programs_rows = list(
        MiniProgram.objects.filter(
            Exists(MiniProgramHostApp.objects.filter(miniprogram=OuterRef("pk")))
        )
        .order_by()
        .values_list("id", "app_id", "shelf_status", "default_language", "released_profile")
    )
    testers: dict[int, set[str]] = defaultdict(set)
    for miniprogram_id, account in MiniProgramTester.objects.order_by().values_list(
        "miniprogram_id", "account"
    ):
        testers[miniprogram_id].add(account)
    trials = {
        mp_id: (version_id, number, path, query)
        for mp_id, version_id, number, path, query in TrialVersion.objects.order_by().values_list(
            "miniprogram_id", "version_id", "version__number", "page_path", "query"
        )
    }
    target_rows = list(
        ReleaseTarget.objects.order_by().values_list(
            "id", "miniprogram_id", "host_app_id", "environment"
        )
    )
    online = dict(
        Release.objects.filter(state=Release.State.RELEASED)
        .order_by()
        .values_list("target_id", "version_id")
    )
    open_rows = list(
        Release.objects.filter(state__in=PREVIEWABLE)
        .order_by()
        .values_list("id", "target_id", "version_id")
    )
    numbers: dict[int, str] = dict(
        Version.objects.filter(
            Exists(
                Release.objects.filter(
                    version=OuterRef("pk"), state__in=(Release.State.RELEASED, *PREVIEWABLE)
                )
            )
        )
        .order_by()
        .values_list("id", "number")
    )
    numbers.update({version_id: number for version_id, number, _p, _q in trials.values()})

    # Grayscale: target id → rules; the versions they name, by (mini program, number).
    candidates = grayscale_candidates()
    target_mp = {pk: mp_id for pk, mp_id, _h, _e in target_rows}
    wanted = {
        (target_mp[t], rule.version)
        for t, rules in candidates.items()
        if t in target_mp
        for rule, _m, _s in rules
    }
    gray_versions: dict[tuple[int, str], int] = {}
    if wanted:
        for pk, mp_id, number in (
            Version.objects.filter(
                miniprogram_id__in={mp for mp, _n in wanted}, number__in={n for _mp, n in wanted}
            )
            .order_by()
            .values_list("id", "miniprogram_id", "number")
        ):
            if (mp_id, number) in wanted:
                gray_versions[(mp_id, number)] = pk
                numbers[pk] = number

    # IN (subquery) rather than correlated EXISTS: the same rows, and a plan that stays cheap
    # while the tables' statistics are stale (PostgreSQL right after a bulk load).
    live = Release.objects.filter(state__in=(Release.State.RELEASED, *PREVIEWABLE)).values(
        "version_id"
    )
    trial_of = TrialVersion.objects.values("version_id")
    artifact_rows = (
        Artifact.objects.filter(
            Q(version_id__in=live)
            | Q(version_id__in=trial_of)
            | Q(version_id__in=set(gray_versions.values()))
        )
        .order_by()
        .values_list("version_id", "kind", "root", "file", "size", "sha256")
        .iterator(chunk_size=10_000)  # streamed: the rows are not all held at once
    )
    builds, files = _builds(base, numbers, artifact_rows)

    programs: dict[int, Program] = {}
    logos: dict[str, str] = {}
    for pk, app_id, shelf, default_language, released in programs_rows:
        trial = trials.get(pk)
        if released and released.get("logo"):
            logos[_logo_key(app_id, released["logo"])] = released["logo"]
        programs[pk] = Program(
            id=pk,
            app_id=app_id,
            on_shelf=shelf == MiniProgram.Shelf.ON,
            default_language=(released or {}).get("default_language") or default_language,
            profiles=MappingProxyType(_profiles(base, app_id, released)),
            testers=frozenset(testers.get(pk, ())),
            trial=builds.get(trial[0]) if trial else None,
            trial_page=(f"{trial[2]}?{trial[3]}" if trial[3] else trial[2]) if trial else "",
        )
    links: dict[tuple[int, str], Link] = {}
    for mp_id, host_app_id, status in link_rows:
        program = programs.get(mp_id)
        if program is not None:
            links[(host_app_id, program.app_id)] = Link(
                program=program, active=status == MiniProgramHostApp.Status.ACTIVE
            )

    targets: dict[tuple[int, str, str], Target] = {}
    target_keys: dict[int, tuple[int, str]] = {}  # only the targets a preview token may name
    previewed = {target_id for _r, target_id, _v in open_rows}
    environments = {name: name for name in ENVIRONMENTS}  # one string object per environment
    for pk, mp_id, host_app_id, environment in target_rows:
        program = programs.get(mp_id)
        if program is None:
            continue
        if pk in previewed:
            target_keys[pk] = (host_app_id, program.app_id)
        version_id = online.get(pk)
        online_build = builds.get(version_id) if version_id is not None else None
        rules = candidates.get(pk)
        if rules:
            gray_builds: dict[str, Build] = {}
            candidate = targeting.Candidate(
                online_version=online_build.number if online_build else None,
                rules=tuple(rules),
            )
            for rule, _max_users, _state in rules:
                version_id = gray_versions.get((mp_id, rule.version))
                if version_id is not None and version_id in builds:
                    gray_builds[rule.version] = builds[version_id]
            target = Target(pk, online_build, candidate, MappingProxyType(gray_builds))
        else:
            target = Target(pk, online_build, None, NO_BUILDS)
        environment = environments.get(environment, environment)
        targets[(host_app_id, environment, program.app_id)] = target
    previews: dict[int, Preview] = {}
    for release_id, target_id, version_id in open_rows:
        key = target_keys.get(target_id)
        if key is not None and version_id in builds:
            previews[release_id] = Preview(
                host_app_id=key[0], app_id=key[1], build=builds[version_id]
            )

    return Snapshot(
        revision=revision,
        host_apps=MappingProxyType(host_apps),
        links=MappingProxyType(links),
        targets=MappingProxyType(targets),
        previews=MappingProxyType(previews),
        files=MappingProxyType(files),
        logos=MappingProxyType(logos),
    )
