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

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

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

    def profile(self, requested: str) -> orjson.Fragment | None:
        """The released profile in the device's language (``languages.resolve_language``)."""
        if not self.profiles:
            return None
        chosen = languages.resolve_language(
            requested, available=self.profiles.keys(), default=self.default_language
        )
        return self.profiles.get(chosen) or self.profiles.get(self.default_language)


@dataclass(frozen=True, slots=True)
class Link:
    program: Program
    active: bool  # False: taken offline from this host app


@dataclass(frozen=True, slots=True)
class Target:
    """One mini program on one host app in one environment."""

    id: int
    online: Build | None
    candidate: targeting.Candidate | None  # None: no delivering grayscale task
    builds: Mapping[str, Build]  # version number → build, for the grayscale versions


@dataclass(frozen=True, slots=True)
class Preview:
    host_app_id: int
    app_id: str
    build: Build


@dataclass(slots=True)
class Snapshot:
    """Immutable answer data; ``auth_cache`` (successful credential checks) is the only thing
    that grows, and it dies with the snapshot when the revision moves."""

    revision: int
    host_apps: Mapping[str, HostAppKey]
    links: Mapping[tuple[int, str], Link]
    targets: Mapping[tuple[int, str, str], Target]
    previews: Mapping[int, Preview]
    files: Mapping[str, tuple[str, str]]  # sha256 → (storage name, content type)
    logos: Mapping[str, str]  # logo key → storage name
    auth_cache: dict[tuple[str, bytes], HostAppKey] = field(default_factory=dict)


def _fragment(value: Any) -> orjson.Fragment:
    return orjson.Fragment(orjson.dumps(value))


def _artifact_url(base: str, sha256: str, kind: str) -> str:
    return f"{base}{ARTIFACT_PREFIX}{sha256}.{'json' if kind == Artifact.Kind.INDEX else 'zip'}"


def _builds(
    base: str, numbers: dict[int, str], rows: list[tuple[Any, ...]]
) -> tuple[dict[int, Build], dict[str, tuple[str, str]]]:
    """version id → Build, and sha256 → (storage name, content type) for the download route."""
    parts: dict[int, dict[str, Any]] = defaultdict(lambda: {"subpackages": []})
    files: dict[str, tuple[str, str]] = {}
    for version_id, kind, root, name, size, sha256 in rows:
        ref = {"url": _artifact_url(base, sha256, kind), "size": size, "sha256": sha256}
        files[sha256] = (
            name,
            "application/json" if kind == Artifact.Kind.INDEX else "application/zip",
        )
        if kind == Artifact.Kind.SUBPACKAGE:
            parts[version_id]["subpackages"].append({"root": root, **ref})
        else:
            parts[version_id][kind] = ref
    builds = {}
    for version_id, number in numbers.items():
        got = parts.get(version_id, {})
        complete = got.get(Artifact.Kind.COMPLETE)
        main = got.get(Artifact.Kind.MAIN)
        split = None
        if main is not None:
            split = {
                "kind": "main",
                **main,
                "subpackages": sorted(got["subpackages"], key=lambda s: s["root"]),
                "index": got.get(Artifact.Kind.INDEX),
            }
        builds[version_id] = Build(
            version_id=version_id,
            number=number,
            complete=_fragment({"kind": "complete", **complete, "subpackages": []})
            if complete
            else None,
            split=_fragment(split) if split else None,
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
    than its label is harmless, the next check rebuilds)."""
    base = settings.SITE_URL
    host_apps = {
        key: HostAppKey(id=pk, secret_hash=secret_hash, workspace_id=workspace_id)
        for pk, key, secret_hash, workspace_id in HostApp.objects.values_list(
            "id", "app_key", "secret_hash", "workspace_id"
        )
    }
    link_rows = list(
        MiniProgramHostApp.objects.values_list("miniprogram_id", "host_app_id", "status")
    )
    programs_rows = list(
        MiniProgram.objects.filter(
            Exists(MiniProgramHostApp.objects.filter(miniprogram=OuterRef("pk")))
        ).values_list("id", "app_id", "shelf_status", "default_language", "released_profile")
    )
    testers: dict[int, set[str]] = defaultdict(set)
    for miniprogram_id, account in MiniProgramTester.objects.values_list(
        "miniprogram_id", "account"
    ):
        testers[miniprogram_id].add(account)
    trials = {
        mp_id: (version_id, number, path, query)
        for mp_id, version_id, number, path, query in TrialVersion.objects.values_list(
            "miniprogram_id", "version_id", "version__number", "page_path", "query"
        )
    }
    target_rows = list(
        ReleaseTarget.objects.values_list("id", "miniprogram_id", "host_app_id", "environment")
    )
    online = dict(
        Release.objects.filter(state=Release.State.RELEASED).values_list("target_id", "version_id")
    )
    open_rows = list(
        Release.objects.filter(state__in=PREVIEWABLE).values_list("id", "target_id", "version_id")
    )
    numbers: dict[int, str] = dict(
        Version.objects.filter(
            Exists(
                Release.objects.filter(
                    version=OuterRef("pk"), state__in=(Release.State.RELEASED, *PREVIEWABLE)
                )
            )
        ).values_list("id", "number")
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
        for pk, mp_id, number in Version.objects.filter(
            miniprogram_id__in={mp for mp, _n in wanted}, number__in={n for _mp, n in wanted}
        ).values_list("id", "miniprogram_id", "number"):
            if (mp_id, number) in wanted:
                gray_versions[(mp_id, number)] = pk
                numbers[pk] = number

    live = Release.objects.filter(
        version_id=OuterRef("version_id"), state__in=(Release.State.RELEASED, *PREVIEWABLE)
    )
    trial_of = TrialVersion.objects.filter(version_id=OuterRef("version_id"))
    artifact_rows = list(
        Artifact.objects.filter(
            Q(Exists(live)) | Q(Exists(trial_of)) | Q(version_id__in=set(gray_versions.values()))
        ).values_list("version_id", "kind", "root", "file", "size", "sha256")
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
    target_keys: dict[int, tuple[int, str]] = {}
    for pk, mp_id, host_app_id, environment in target_rows:
        program = programs.get(mp_id)
        if program is None:
            continue
        target_keys[pk] = (host_app_id, program.app_id)
        online_build = builds.get(online[pk]) if pk in online else None
        rules = candidates.get(pk) or []
        candidate = None
        gray_builds: dict[str, Build] = {}
        if rules:
            candidate = targeting.Candidate(
                online_version=online_build.number if online_build else None,
                rules=tuple(rules),
            )
            for rule, _max_users, _state in rules:
                version_id = gray_versions.get((mp_id, rule.version))
                if version_id is not None and version_id in builds:
                    gray_builds[rule.version] = builds[version_id]
        targets[(host_app_id, environment, program.app_id)] = Target(
            id=pk,
            online=online_build,
            candidate=candidate,
            builds=MappingProxyType(gray_builds),
        )
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
