"""The ``mpp`` command-line tool (cli/), run as a real subprocess against a live server.

The CLI talks only to the public API, so these tests start ``live_server`` and call
``python -m mpp_cli`` with its configuration in ``tmp_path``. The server runs tasks eagerly in
its own thread (settings.test): a version is scanned and built during the upload request.
The industry taxonomy that a transactional test's flush removes is put back by the project's
``conftest.py`` before each database test.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mpp_cli import __version__
from mpp_cli.client import MultipartBody
from mpp_cli.package import TOO_LARGE_MESSAGE as CLI_TOO_LARGE_MESSAGE
from mpp_cli.package import zip_directory
from mpp_cli.progress import ProgressBar, render

from miniprograms.models import MiniProgram
from miniprograms.tests.factories import create_miniprogram
from releases.models import Version
from releases.package import jobs
from releases.services import versions as version_services
from releases.services.versions import LARGE_WARNING, TOO_LARGE_MESSAGE, version_upload
from releases.tests.packages import DEFAULT_FILES, with_files, zip_bytes
from workspaces.models import Membership
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

LIVE = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class World:
    owner: Membership
    app_id: str
    token: str


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def config_path(tmp_path) -> Path:
    return tmp_path / "conf" / "mpp.json"


@pytest.fixture
def mpp(tmp_path, config_path) -> Callable[..., Result]:
    """Run ``mpp ARGS`` in a subprocess; the config lives in tmp_path, HOME too."""

    def run(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> Result:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("MPP_", "XDG_"))}
        base.update(HOME=str(tmp_path / "home"), MPP_CONFIG=str(config_path))
        base.update(env or {})
        done = subprocess.run(
            [sys.executable, "-m", "mpp_cli", *args],
            env=base,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def world() -> World:
    owner = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    mp = create_miniprogram(owner)
    _, raw = token_create(user=owner.user, name="CLI")
    return World(owner=owner, app_id=mp.app_id, token=raw)


@pytest.fixture
def logged_in(world, live_server, config_path) -> World:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(json.dumps({"url": live_server.url, "token": world.token}))
    return world


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


# --- login / logout ---------------------------------------------------------------------------


@LIVE
def test_login_checks_the_token_and_stores_url_and_token_readable_by_the_owner_only(
    mpp, world, live_server, config_path
):
    result = mpp("login", "--url", live_server.url + "/", "--token", world.token)

    assert result.code == 0, result.err
    user = world.owner.user
    assert f"Logged in to {live_server.url} as {user.name} <{user.email}>." in result.out
    assert f"Workspaces: {world.owner.workspace.slug} (" in result.out
    assert json.loads(config_path.read_text()) == {"url": live_server.url, "token": world.token}
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600


@LIVE
def test_login_with_a_bad_token_exits_1_with_the_servers_message_and_stores_nothing(
    mpp, world, live_server, config_path
):
    result = mpp("login", "--url", live_server.url, "--token", "mpp_abcdefgh_" + "x" * 40)

    assert result.code == 1
    assert "mpp: error: Invalid API token. Run `mpp login` again." in result.err
    assert "mpp: request id: " in result.err
    assert not config_path.exists()


@LIVE
def test_login_reads_the_token_from_mpp_token_and_respects_xdg_config_home(
    mpp, world, live_server, tmp_path
):
    xdg = tmp_path / "xdg"
    result = mpp(
        "login",
        "--url",
        live_server.url,
        env={"MPP_CONFIG": "", "XDG_CONFIG_HOME": str(xdg), "MPP_TOKEN": world.token},
    )

    assert result.code == 0, result.err
    stored = xdg / "mpp" / "config.json"
    assert json.loads(stored.read_text())["token"] == world.token
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700


@LIVE
def test_login_reads_a_piped_token_and_logout_forgets_it(mpp, world, live_server, config_path):
    assert mpp("login", "--url", live_server.url, stdin=world.token + "\n").code == 0
    assert config_path.exists()

    result = mpp("logout")
    assert result.code == 0
    assert f"Logged out of {live_server.url}." in result.out
    assert not config_path.exists()
    assert mpp("logout").out.strip() == "You were not logged in."


def test_login_to_a_closed_port_is_a_network_error_exit_4(mpp, config_path):
    result = mpp("login", "--url", f"http://127.0.0.1:{free_port()}", "--token", "mpp_x")

    assert result.code == 4
    assert "Cannot reach http://127.0.0.1:" in result.err
    assert "connection refused" in result.err
    assert not config_path.exists()


def test_login_refuses_an_address_without_a_scheme(mpp):
    result = mpp("login", "--url", "mpp.example.com", "--token", "mpp_x")

    assert result.code == 2
    assert "give the full URL, e.g. https://mpp.example.com" in result.err


# --- upload -----------------------------------------------------------------------------------


@LIVE
def test_upload_a_zip_waits_until_ready_and_stores_exactly_its_bytes(mpp, logged_in, tmp_path):
    data = zip_bytes()
    package = tmp_path / "build.zip"
    package.write_bytes(data)

    result = mpp(
        "upload", "--app-id", logged_in.app_id, "--version", "1.0.0", "--notes", "First",
        str(package),
    )  # fmt: skip

    assert result.code == 0, result.err
    version = Version.objects.get(miniprogram__app_id=logged_in.app_id)
    assert (version.number, version.status, version.notes) == ("1.0.0", "ready", "First")
    assert version.package_sha256 == hashlib.sha256(data).hexdigest()
    assert version.package_size == len(data)
    assert version.uploaded_by == logged_in.owner.user
    assert f"sha256 {version.package_sha256[:12]}…" in result.out
    assert "Version 1.0.0 is ready." in result.out
    assert "Quality review: " in result.out
    # stderr is not a terminal here: no bar, one summary line; the pipeline's steps are shown.
    assert "\r" not in result.err and "[#" not in result.err
    assert "Uploaded " in result.err and " MB/s)." in result.err
    assert "ready — scan succeeded, build succeeded" in result.err
    assert "warning" not in result.err


@LIVE
def test_upload_a_project_folder_zips_it_without_vcs_dependencies_or_os_litter(
    mpp, logged_in, tmp_path
):
    project = write_tree(
        tmp_path / "my-app",
        {
            **DEFAULT_FILES,
            ".git/config": b"[core]\n",
            "node_modules/left-pad/index.js": b"module.exports = 1;\n",
            ".DS_Store": b"\x00\x01",
            "pages/.DS_Store": b"\x00\x01",
        },
    )

    result = mpp("upload", "--app-id", logged_in.app_id, "--version", "2.0.0", str(project))

    assert result.code == 0, result.err
    assert f"Packed {len(DEFAULT_FILES)} files into " in result.err
    version = Version.objects.get(miniprogram__app_id=logged_in.app_id)
    assert version.status == "ready"
    with version.package.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as archive:
        assert sorted(archive.namelist()) == sorted(DEFAULT_FILES)
        assert archive.namelist() == sorted(archive.namelist())  # deterministic order
        assert all(archive.read(name) == DEFAULT_FILES[name] for name in DEFAULT_FILES)


def test_zipping_a_folder_twice_gives_the_same_bytes(tmp_path):
    project = write_tree(tmp_path / "app", DEFAULT_FILES)
    first = zip_directory(project, tmp_path / "a.zip")
    os.utime(project / "app.js", (1_700_000_000, 1_700_000_000))  # a newer mtime changes nothing
    second = zip_directory(project, tmp_path / "b.zip")

    assert first.files == second.files == len(DEFAULT_FILES)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


@LIVE
def test_upload_refuses_a_folder_without_app_json_before_contacting_the_server(
    mpp, logged_in, tmp_path
):
    project = write_tree(tmp_path / "not-an-app", with_files({"app.json": None}))

    result = mpp("upload", "--app-id", logged_in.app_id, "--version", "1.0.0", str(project))

    assert result.code == 2
    assert f"mpp: error: {project} has no app.json: give the mini program's project folder" in (
        result.err
    )
    assert not Version.objects.exists()


@LIVE
def test_upload_of_a_version_not_greater_exits_1_naming_the_highest(mpp, logged_in, tmp_path):
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())
    assert mpp("upload", "--app-id", logged_in.app_id, "--version", "1.2.0", str(package)).code == 0

    result = mpp("upload", "--app-id", logged_in.app_id, "--version", "1.1.9", str(package))

    assert result.code == 1
    assert (
        "mpp: error: --version: Version 1.1.9 must be greater than 1.2.0, the highest version "
        "ever uploaded for this mini program; upload 1.2.1 or higher."
    ) in result.err
    assert "mpp: request id: " in result.err
    assert list(Version.objects.values_list("number", flat=True)) == ["1.2.0"]


def test_a_package_of_100_mb_is_refused_locally_with_the_servers_sentence(
    mpp, tmp_path, config_path
):
    package = tmp_path / "huge.zip"
    subprocess.run(["truncate", "-s", "100M", str(package)], check=True)  # sparse: no disk used
    # Nothing listens there: the refusal must come before any request (else exit 4).
    config_path.parent.mkdir(parents=True)
    config_path.write_text(json.dumps({"url": f"http://127.0.0.1:{free_port()}", "token": "mpp_x"}))

    result = mpp("upload", "--app-id", "2021004112345678", "--version", "1.0.0", str(package))

    assert result.code == 1
    assert result.err.strip() == f"mpp: error: {TOO_LARGE_MESSAGE}"
    assert CLI_TOO_LARGE_MESSAGE == TOO_LARGE_MESSAGE  # the CLI's copy of the sentence


@LIVE
def test_a_package_one_byte_under_100_mb_is_sent(mpp, logged_in, tmp_path, monkeypatch):
    # The server's limit is lowered so the test sends little; the CLI's stays at 100 MB.
    monkeypatch.setattr(version_services, "UPLOAD_LIMIT", 1024)
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes(with_files({"assets/blob.bin": os.urandom(4096)})))

    result = mpp("upload", "--app-id", logged_in.app_id, "--version", "1.0.0", str(package))

    assert result.code == 1
    assert f"mpp: error: {TOO_LARGE_MESSAGE}" in result.err  # the server's 413, from the stream
    assert not Version.objects.exists()


@LIVE
def test_upload_prints_the_large_package_warning(mpp, logged_in, tmp_path, monkeypatch):
    monkeypatch.setattr("releases.models.LARGE_PACKAGE", 100)
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())

    result = mpp("upload", "--app-id", logged_in.app_id, "--version", "1.0.0", str(package))

    assert result.code == 0, result.err
    assert f"mpp: warning: {LARGE_WARNING}" in result.err


@LIVE
def test_upload_of_a_package_failing_its_scan_exits_3_with_the_sentence(mpp, logged_in, tmp_path):
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes(with_files({"pages/cart/index.js": None})))

    result = mpp("upload", "--app-id", logged_in.app_id, "--version", "1.0.0", str(package))

    assert result.code == 3
    version = Version.objects.get()
    assert version.status == "scan_failed"
    assert "is listed in app.json but missing from the package" in version.failure_message
    assert f"mpp: error: version 1.0.0 failed its scan: {version.failure_message}" in result.err


@LIVE
def test_upload_gives_up_waiting_after_the_timeout_with_exit_5(
    mpp, logged_in, tmp_path, monkeypatch
):
    monkeypatch.setattr(jobs, "_ring", lambda job_id: None)  # no worker picks the scan up
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())

    result = mpp(
        "upload", "--app-id", logged_in.app_id, "--version", "1.0.0", "--timeout", "1",
        str(package),
    )  # fmt: skip

    assert result.code == 5
    assert "  scanning — scan queued\n" in result.err
    assert "mpp: error: gave up waiting after 1 s; version 1.0.0 is scanning." in result.err
    assert Version.objects.get().status == "scanning"


@LIVE
def test_upload_no_wait_returns_after_the_upload(mpp, logged_in, tmp_path):
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())

    result = mpp(
        "upload", "--app-id", logged_in.app_id, "--version", "v3.1.4", "--no-wait", str(package)
    )

    assert result.code == 0, result.err
    assert "Uploaded version 3.1.4 " in result.out
    assert f"follow it with: mpp versions --app-id {logged_in.app_id}" in result.out
    assert "is ready" not in result.out and "Waiting for the scan" not in result.err


@LIVE
def test_upload_finds_the_workspace_among_the_callers(mpp, live_server, tmp_path, config_path):
    user = UserFactory()
    MembershipFactory(user=user, workspace=WorkspaceFactory(kind="tenant"), role="owner")
    second = MembershipFactory(user=user, workspace=WorkspaceFactory(kind="tenant"), role="admin")
    mp = create_miniprogram(second)
    _, raw = token_create(user=user, name="CLI")
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())
    env = {"MPP_URL": live_server.url, "MPP_TOKEN": raw}  # no login needed in CI

    result = mpp("upload", "--app-id", mp.app_id, "--version", "1.0.0", str(package), env=env)

    assert result.code == 0, result.err
    assert f"to workspace {second.workspace.slug} …" in result.err
    assert Version.objects.get().miniprogram == mp

    missing = mpp("versions", "--app-id", "2021004199999999", env=env)
    assert missing.code == 1
    assert "No mini program with App ID 2021004199999999 in any of your workspaces" in missing.err

    first = user.memberships.exclude(pk=second.pk).get().workspace.slug
    elsewhere = mpp("versions", "--app-id", mp.app_id, "--workspace", first, env=env)
    assert elsewhere.code == 1
    assert f"No mini program with App ID {mp.app_id} in workspace {first}," in elsewhere.err


@LIVE
def test_a_reviewer_is_told_which_role_may_upload(mpp, world, live_server, tmp_path):
    reviewer = MembershipFactory(workspace=world.owner.workspace, role="reviewer")
    _, raw = token_create(user=reviewer.user, name="CLI")
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())

    result = mpp(
        "upload", "--app-id", world.app_id, "--version", "1.0.0", str(package),
        env={"MPP_URL": live_server.url, "MPP_TOKEN": raw},
    )  # fmt: skip

    assert result.code == 1
    assert (
        "mpp: error: This needs the capability miniprograms.develop_miniprogram, held by: Owner "
        "or Workspace Admin, or a Developer assigned to this mini program.\n"
    ) in result.err
    assert "mpp: request id: " in result.err
    assert not Version.objects.exists()


def test_upload_without_login_is_a_usage_error(mpp, tmp_path):
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes())

    result = mpp("upload", "--app-id", "2021004112345678", "--version", "1.0.0", str(package))

    assert result.code == 2
    assert "You are not logged in. Run `mpp login` first" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-id", "12345", "--version", "1.0.0", "x.zip"], "“12345” is not an App ID"),
        (
            ["--app-id", "2021004112345678", "--version", "1.02.0", "x.zip"],
            "“1.02.0” is not a version number: use MAJOR.MINOR.PATCH",
        ),
        (["--version", "1.0.0", "x.zip"], "the following arguments are required: --app-id"),
    ],
)
def test_bad_arguments_exit_2_before_anything_else(mpp, args, message):
    result = mpp("upload", *args)

    assert result.code == 2
    assert message in result.err


def test_a_file_that_is_not_a_zip_is_refused(mpp, tmp_path, config_path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text(json.dumps({"url": "http://127.0.0.1:9", "token": "mpp_x"}))
    package = tmp_path / "notes.txt"
    package.write_text("hello")

    result = mpp("upload", "--app-id", "2021004112345678", "--version", "1.0.0", str(package))

    assert result.code == 2
    assert f"{package} is not a zip file" in result.err


# --- versions ---------------------------------------------------------------------------------


@LIVE
def test_versions_lists_highest_first_as_a_table_and_as_json(mpp, logged_in, tmp_path):
    program = MiniProgram.objects.get(app_id=logged_in.app_id)
    for number in ("1.0.0", "1.1.0"):
        version_upload(
            actor=logged_in.owner,
            miniprogram=program,
            number=number,
            package=io.BytesIO(zip_bytes()),
        )

    table = mpp("versions", "--app-id", logged_in.app_id)

    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].split() == ["VERSION", "STATUS", "SIZE", "UPLOADED", "BY"]
    assert [line.split()[0] for line in lines[1:]] == ["1.1.0", "1.0.0"]
    assert all(logged_in.owner.user.email in line for line in lines[1:])

    listed = mpp("versions", "--app-id", logged_in.app_id, "--json")
    assert listed.code == 0
    versions = json.loads(listed.out)
    assert [v["number"] for v in versions] == ["1.1.0", "1.0.0"]
    assert versions[0]["uploaded_by"]["email"] == logged_in.owner.user.email


@LIVE
def test_versions_of_a_program_without_any_says_how_to_upload(mpp, logged_in):
    slug = logged_in.owner.workspace.slug
    result = mpp("versions", "--app-id", logged_in.app_id, "--workspace", slug)

    assert result.code == 0, result.err
    assert result.out.startswith("No versions yet. Upload one: mpp upload --app-id")


# --- the HTTP edges: redirects and servers that are not MPP ------------------------------------


class _Stub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/moved/"):
            self.send_response(301)
            self.send_header("Location", "https://mpp.example.com" + self.path[len("/moved") :])
            self.end_headers()
            return
        body = b"<html>a blog</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_is_not_followed_and_names_the_address_to_use(mpp, stub_server):
    result = mpp("login", "--url", stub_server + "/moved", "--token", "mpp_x")

    assert result.code == 1
    assert result.err == (
        f"mpp: error: {stub_server}/moved redirects to https://mpp.example.com; log in with that "
        "address: mpp login --url https://mpp.example.com\n"
    )


def test_a_server_that_is_not_mpp_is_named(mpp, stub_server, config_path):
    result = mpp("login", "--url", stub_server, "--token", "mpp_x")

    assert result.code == 1
    assert f"{stub_server} did not answer like an MPP console" in result.err
    assert not config_path.exists()


# --- pieces -----------------------------------------------------------------------------------


def test_the_progress_bar_frame():
    assert render(12 * MB, 25 * MB, 12 / 10.2) == (
        "[##############                ]  48% 12.0/25.0 MB 10.2 MB/s"
    )


def test_the_progress_bar_redraws_in_place_on_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(stream, 4 * MB, interactive=True)
    bar.update(MB, 4 * MB)
    bar.update(4 * MB, 4 * MB)
    bar.finish(4 * MB)

    frames = stream.getvalue()
    assert frames.startswith("\r[#######")
    assert "] 100% 4.0/4.0 MB " in frames
    assert frames.endswith(" MB/s).\n") and "Uploaded 4.0 MB in " in frames


def test_the_multipart_body_streams_the_file_with_a_known_length(tmp_path):
    package = tmp_path / "p.zip"
    package.write_bytes(os.urandom(2 * MB + 5))
    seen: list[int] = []

    body = MultipartBody(
        fields={"version": "1.0.0", "notes": "Zwei\nZeilen – ü"},
        file_field="package",
        path=package,
        filename="my app.zip",
        on_progress=lambda sent, total: seen.append(sent),
    )
    chunks = list(body)

    assert len(body) == sum(len(c) for c in chunks)
    assert max(len(c) for c in chunks) <= MB  # never the whole file in memory
    assert seen == [MB, 2 * MB, 2 * MB + 5]
    joined = b"".join(chunks)
    assert b'filename="my_app.zip"' in joined
    assert package.read_bytes() in joined
    assert "Zwei\nZeilen – ü".encode() in joined
    assert joined.endswith(f"--{body.boundary}--\r\n".encode())


def test_version_and_help(mpp):
    assert mpp("--version").out.strip() == f"mpp {__version__}"
    help_text = mpp("--help")
    assert help_text.code == 0
    assert "mpp upload --app-id 2021004112345678 --version 1.2.3" in help_text.out
    assert "Exit codes: 0 done, 1 refused by the server, 2 usage error" in help_text.out
    assert mpp().code == 2
