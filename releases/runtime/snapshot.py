"""The runtime snapshot (issue 11): everything the runtime API answers with, compiled once per
process per runtime revision into immutable in-process structures, so a resolve call does no
database query at all.

One build reads, in a handful of queries and without loading model instances:

* the host apps' SDK keys → (id, secret hash, workspace, frozen);
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
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from miniprograms import languages
from miniprograms.development.runtime import runtime_settings
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
    frozen: bool = False  # the SDK key is frozen: every call answers 403 ``key_frozen``


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
    """One mini program on one host app in one environment with a delivering grayscale task.
    (A target without one is kept as its online ``Build`` alone: tens of thousands of them.)"""

    id: int
    online: Build | None
    candidate: targeting.Candidate
    builds: Mapping[str, Build]  # version number → build, for the grayscale versions


# Shared empty maps (read-only by convention, as every map of a snapshot: plain dicts, because
# ``MappingProxyType.get`` costs a method call through the proxy — microseconds per look-up on a
# path that does a hundred look-ups per launch).
NO_LINKS: Mapping[str, Link] = {}  # a host app no mini program is linked to
NO_TARGETS: Mapping[str, Build | Target] = {}  # a host app and environment with nothing released
NO_SETTINGS: Mapping[Any, orjson.Fragment] = {}  # where nothing is set
NO_TESTERS: frozenset[str] = frozenset()  # most mini programs (``frozenset()`` is no singleton)


def _no_settings() -> Mapping[Any, orjson.Fragment]:
    return NO_SETTINGS


@dataclass(frozen=True, slots=True)
class Preview:
    host_app_id: int
    app_id: str
    build: Build


@dataclass(slots=True)
class Snapshot:
    """Immutable answer data; ``auth_cache`` (successful credential checks), ``admitted``
    (grayscale admissions seen) and ``answers`` (signed answers) are the only things that grow
    (bounded), and they die with the snapshot when the revision moves."""

    revision: int
    host_apps: Mapping[str, HostAppKey]
    # host app id → App ID → link (the App IDs are the programs' own strings: hashed once)
    links: Mapping[int, Mapping[str, Link]]
    # (host app id, environment) → App ID → the online build, or a ``Target`` when a grayscale
    # task delivers; a target with neither is left out (``not_released`` either way).
    targets: Mapping[tuple[int, str], Mapping[str, Build | Target]]
    previews: Mapping[int, Preview]
    files: Mapping[bytes, int]  # file_key(sha256, is the JSON index) → version id
    logos: Mapping[str, str]  # logo key → storage name
    # The development settings (``miniprograms.development.runtime``), encoded, only where set:
    # (host app, mini program, version number) → domains; (host app, mini program) → JSAPIs;
    # (mini program, environment) → environment variables. Identical values share one fragment.
    domains: Mapping[tuple[int, int, str], orjson.Fragment] = field(default_factory=_no_settings)
    jsapis: Mapping[tuple[int, int], orjson.Fragment] = field(default_factory=_no_settings)
    env: Mapping[tuple[int, str], orjson.Fragment] = field(default_factory=_no_settings)
    auth_cache: dict[tuple[str, bytes], HostAppKey] = field(default_factory=dict)
    # (task, user key, limit) already admitted into a grayscale cohort: once admitted, always
    # served (``releases.grayscale.admission``), so this process need not ask again.
    admitted: set[tuple[int, str, int]] = field(default_factory=set)
    # Signed answers by what they depend on (``releases.runtime.views._memo``): (body,
    # signature, key id), with the bodies' total size (bounded there).
    answers: dict[tuple[Any, ...], tuple[bytes, str, str]] = field(default_factory=dict)
    answers_bytes: int = 0


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


def file_key(sha256: str, json: bool) -> bytes:
    """The download route's key of a file: its 32-byte digest and whether it is the JSON index
    (a request's ``.json``/``.zip`` suffix must match): 66 bytes rather than a 113-byte string
    and a tuple, for each of a snapshot's ~100,000 files."""
    return bytes.fromhex(sha256) + (b"j" if json else b"z")


def _builds(
    base: str, numbers: dict[int, str], rows: Iterable[tuple[Any, ...]]
) -> tuple[dict[int, Build], dict[bytes, int]]:
    """version id → Build, and ``file_key`` → version id for the download route (which reads
    the storage name of that one version's file then: 100,000 names are ~12 MB a process).

    ``rows`` — (version id, kind, root, size, sha256) — come ordered by version id and may be
    a streaming iterator: one version's rows are held at a time, encoded (``_fragment``, each
    form once) as soon as the next version starts. Only the versions in ``numbers`` are kept."""
    prefix = f"{base}{ARTIFACT_PREFIX}"
    files: dict[bytes, int] = {}
    builds: dict[int, Build] = {}

    def build(version_id: int, got: dict[str, Any]) -> Build:
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
                        {
                            "root": root,
                            "url": f"{prefix}{sha256}.zip",
                            "size": size,
                            "sha256": sha256,
                        }
                        for root, size, sha256 in subpackages
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
        return Build(
            version_id=version_id,
            number=numbers[version_id],
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

    current: int | None = None
    # this version's {kind: (size, sha256)}, subpackages as [(root, size, sha256)]
    got: dict[str, Any] = {}
    for version_id, kind, root, size, sha256 in rows:
        if version_id != current:
            if current is not None and current in numbers:
                builds[current] = build(current, got)
            current, got = version_id, {}
        else:
            version_id = current  # one int object per version in ``files``
        files[file_key(sha256, kind == _INDEX)] = version_id
        if kind == _SUBPACKAGE:
            got.setdefault(_SUBPACKAGE, []).append((root, size, sha256))
        else:
            got[kind] = (size, sha256)
    if current is not None and current in numbers:
        builds[current] = build(current, got)
    for version_id in numbers:
        if version_id not in builds:  # no artifact (yet): nothing to download
            builds[version_id] = build(version_id, {})
    return builds, files


class _Interned:
    """Encodes JSON values once per distinct encoding: most mini programs share the same (often
    empty) settings, and a snapshot then holds one fragment for all of them."""

    def __init__(self) -> None:
        self.by_bytes: dict[bytes, orjson.Fragment] = {}
        # id → (the value, kept alive so its id is not reused, its fragment): the settings'
        # indexes hand back one shared object for equal answers, encoded once here.
        self.by_id: dict[int, tuple[Any, orjson.Fragment]] = {}

    def __call__(self, value: Any) -> orjson.Fragment | None:
        if value is None:
            return None
        seen = self.by_id.get(id(value))
        if seen is not None:
            return seen[1]
        encoded = bytes(memoryview(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)))
        found = self.by_bytes.get(encoded)
        if found is None:
            found = self.by_bytes[encoded] = orjson.Fragment(encoded)
        self.by_id[id(value)] = (value, found)
        return found


class _Settings:
    """The development settings as the snapshot keeps them (see ``Snapshot``), from one call of
    ``runtime_settings``. The domains are asked for as the targets are compiled (``deliver``:
    each (host app, mini program, version number) an answer may carry), so the deliveries are
    never all held at once; then ``finish`` adds the JSAPIs per link and the environment
    variables per mini program."""

    def __init__(self, program_ids: Iterable[int]) -> None:
        self.program_ids = list(program_ids)
        self.of = runtime_settings(miniprogram_ids=self.program_ids)
        self.intern = _Interned()
        self.domains: dict[Any, orjson.Fragment] = {}

    def deliver(self, host_app_id: int, mp_id: int, number: str) -> None:
        key = (host_app_id, mp_id, number)
        if key not in self.domains:
            found = self.intern(self.of.domains(mp_id, host_app_id, number))
            if found is not None:
                self.domains[key] = found

    def finish(
        self, links: Iterable[tuple[int, int]]
    ) -> tuple[dict[Any, orjson.Fragment], dict[Any, orjson.Fragment], dict[Any, orjson.Fragment]]:
        """(domains, jsapis, env); ``links`` are the (host app, mini program) pairs."""
        intern, of = self.intern, self.of
        jsapis: dict[Any, orjson.Fragment] = {}
        for host_app_id, mp_id in links:
            found = intern(of.jsapis(mp_id, host_app_id))
            if found is not None:
                jsapis[(host_app_id, mp_id)] = found
        env: dict[Any, orjson.Fragment] = {}
        environments = sorted(ENVIRONMENTS)
        for mp_id in self.program_ids:
            for environment in environments:
                found = intern(of.env(mp_id, environment))
                if found is not None:
                    env[(mp_id, environment)] = found
        return self.domains, jsapis, env


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
        key: HostAppKey(
            id=pk,
            secret_hash=secret_hash,
            workspace_id=workspace_id,
            frozen=frozen_at is not None,
        )
        for pk, key, secret_hash, workspace_id, frozen_at in HostApp.objects.order_by().values_list(
            "id", "app_key", "secret_hash", "workspace_id", "sdk_key_frozen_at"
        )
    }
    # Streamed when the programs are compiled (below): each row's released profile is a decoded
    # JSON document, and holding all of them at once was the build's largest transient.
    programs_rows = (
        MiniProgram.objects.filter(
            Exists(MiniProgramHostApp.objects.filter(miniprogram=OuterRef("pk")))
        )
        .order_by()
        .values_list("id", "app_id", "shelf_status", "default_language", "released_profile")
        .iterator(chunk_size=2_000)
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
    # The few targets needed before the others (which are streamed below, with their online
    # version): those with a delivering task, and those a preview token may name.
    previewed = {target_id for _r, target_id, _v in open_rows}
    few = {
        pk: (mp_id, host_app_id, environment)
        for pk, mp_id, host_app_id, environment in ReleaseTarget.objects.filter(
            Q(pk__in=list(candidates))
            | Q(pk__in=Release.objects.filter(state__in=PREVIEWABLE).values("target_id"))
        )
        .order_by()
        .values_list("id", "miniprogram_id", "host_app_id", "environment")
    }
    target_mp = {pk: mp_id for pk, (mp_id, _h, _e) in few.items()}
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
        .order_by("version_id")  # grouped per version: see ``_builds``
        .values_list("version_id", "kind", "root", "size", "sha256")
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
            profiles=_profiles(base, app_id, released),
            testers=frozenset(testers[pk]) if pk in testers else NO_TESTERS,
            trial=builds.get(trial[0]) if trial else None,
            trial_page=(f"{trial[2]}?{trial[3]}" if trial[3] else trial[2]) if trial else "",
        )
    links: dict[int, dict[str, Link]] = {}
    for mp_id, host_app_id, status in (
        MiniProgramHostApp.objects.order_by()
        .values_list("miniprogram_id", "host_app_id", "status")
        .iterator(chunk_size=10_000)
    ):
        program = programs.get(mp_id)
        if program is not None:
            of_host = links.get(host_app_id)
            if of_host is None:
                of_host = links[host_app_id] = {}
            of_host[program.app_id] = Link(
                program=program, active=status == MiniProgramHostApp.Status.ACTIVE
            )

    targets: dict[tuple[int, str], dict[str, Build | Target]] = {}
    target_keys: dict[int, tuple[int, str]] = {}  # only the targets a preview token may name
    environments = {name: name for name in ENVIRONMENTS}  # one string object per environment
    # The domains slot is read per (host app, mini program, version number) delivered.
    dev = _Settings(programs)
    # Every target with its online version (streamed: tens of thousands of rows, not held),
    # then the targets of ``few`` with nothing online.
    online_rows = (
        Release.objects.filter(state=Release.State.RELEASED)
        .order_by()
        .values_list(
            "target_id",
            "target__miniprogram_id",
            "target__host_app_id",
            "target__environment",
            "version_id",
        )
        .iterator(chunk_size=10_000)
    )
    placed: set[int] = set()
    offline_few = (
        (pk, mp_id, host_app_id, environment, None)
        for pk, (mp_id, host_app_id, environment) in few.items()
        if pk not in placed
    )
    for pk, mp_id, host_app_id, environment, version_id in itertools.chain(
        online_rows, offline_few
    ):
        program = programs.get(mp_id)
        if program is None:
            continue
        if pk in few:
            placed.add(pk)
        if pk in previewed:
            target_keys[pk] = (host_app_id, program.app_id)
        online_build = builds.get(version_id) if version_id is not None else None
        rules = candidates.get(pk)
        target: Build | Target
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
            target = Target(pk, online_build, candidate, gray_builds)
            for number in gray_builds:
                dev.deliver(host_app_id, mp_id, number)
        elif online_build is not None:
            target = online_build
        else:
            continue  # nothing online, no task: not released, as if there were no target
        if online_build is not None:
            dev.deliver(host_app_id, mp_id, online_build.number)
        group = (host_app_id, environments.get(environment, environment))
        of_group = targets.get(group)
        if of_group is None:
            of_group = targets[group] = {}
        of_group[program.app_id] = target
    previews: dict[int, Preview] = {}
    for release_id, target_id, version_id in open_rows:
        key = target_keys.get(target_id)
        if key is not None and version_id in builds:
            previews[release_id] = Preview(
                host_app_id=key[0], app_id=key[1], build=builds[version_id]
            )
            dev.deliver(key[0], target_mp[target_id], builds[version_id].number)
    for host_app_id, of_host in links.items():
        for link in of_host.values():
            if link.program.trial is not None:
                dev.deliver(host_app_id, link.program.id, link.program.trial.number)
    domains, jsapis, env = dev.finish(
        (host_app_id, link.program.id)
        for host_app_id, of_host in links.items()
        for link in of_host.values()
    )

    return Snapshot(
        revision=revision,
        host_apps=host_apps,
        links=links,
        targets=targets,
        previews=previews,
        files=files,
        logos=logos,
        domains=domains or NO_SETTINGS,
        jsapis=jsapis or NO_SETTINGS,
        env=env or NO_SETTINGS,
    )
