"""Benchmark: upload a 95 MB package through the API to a running server, on loopback.

Starts the Docker image's web server (Granian, one process) with ``bench.settings`` on a free
port, a fresh SQLite database and media folder in a temporary directory (migrated; a user, an
API token, a workspace and a mini program created through the services), then streams the
package built by ``releases.tests.packages.large_package`` with ``POST
/api/v1/workspaces/{slug}/miniprograms/{app_id}/versions`` (multipart, sent in 1 MB writes with
a Content-Length, never read whole) ``--repeat`` times as versions 1.0.0, 1.0.1, …

Prints the throughput (package MB / seconds from the first byte sent to the 201; the server
hashes the stream, spools it to a temporary file and copies it to storage in that time) and
the server's worker process's peak resident memory growth during each upload: its peak is reset
(``/proc/<pid>/clear_refs``) and its ``VmRSS`` read before the upload, its ``VmHWM`` after.
Targets (issue 5): ≥ 50 MB/s, growth ≤ 50 MB.

With ``--s3`` the server stores packages in a bucket of a local S3-compatible server (moto's
``moto_server``, from requirements-dev.txt, in its own process) configured through the
``S3_*`` variables, as a deployment on S3 would be.

    .venv/bin/python bench/upload.py [--size-mb 95] [--files 5000] [--repeat 3] [--package PATH]
                                     [--s3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.resolve import server_command  # noqa: E402

MB = 1024 * 1024
TARGET_MB_S = 50
TARGET_GROWTH_MB = 50

SETUP = """
import json
from miniprograms.tests.factories import create_miniprogram
from workspaces.models import Membership, User
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
user = User.objects.create_user(email="bench@example.com", password=None, name="Bench")
workspace = workspace_create(owner=user, name="Bench Co", kind="tenant")
owner = Membership.objects.get(workspace=workspace, user=user)
mp = create_miniprogram(owner)
_token, raw = token_create(user=user, name="bench")
print(json.dumps({"token": raw, "slug": workspace.slug, "app_id": mp.app_id}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux ≥ 4.0); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent pid
            found.append(int(stat.parent.name))
    return found


def _start_s3(tmp_path: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """moto's S3 server on a free port, with a bucket; returns it and the S3_* variables."""
    import boto3

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "moto.log").open("wb"),
    )
    env = {
        "S3_BUCKET": "mpp-bench",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "bench",
        "S3_SECRET_ACCESS_KEY": "bench",
    }
    client = boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        region_name=env["S3_REGION"],
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=env["S3_BUCKET"])
            return server, env
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise
            time.sleep(0.2)


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def _multipart(boundary: str, fields: dict[str, str], filename: str) -> tuple[bytes, bytes]:
    """The bytes before and after the package in a multipart/form-data body."""
    head = b""
    for name, value in fields.items():
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="package"; '
        f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


def upload(port: int, path: str, token: str, package: Path, number: str) -> tuple[float, dict]:
    """Stream ``package`` as version ``number``; returns (seconds, the response's JSON)."""
    boundary = uuid.uuid4().hex
    head, tail = _multipart(boundary, {"version": number, "notes": "bench"}, package.name)
    length = len(head) + package.stat().st_size + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    connection.putrequest("POST", path)
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(length))
    connection.endheaders()
    connection.send(head)
    with package.open("rb") as fh:
        while chunk := fh.read(MB):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    if response.status != 201:
        raise RuntimeError(f"upload {number}: HTTP {response.status}: {body[:500]!r}")
    return seconds, json.loads(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=95)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--package", type=Path, help="use (or create) the package at this path")
    parser.add_argument("--s3", action="store_true", help="store on a local S3 server (moto)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from releases.tests.packages import large_package, zip_bytes

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        package = args.package or tmp_path / "pkg.zip"
        if not package.exists():
            large_package(package, size=int(args.size_mb * MB), files=args.files)
        size_mb = package.stat().st_size / MB
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        processes: list[subprocess.Popen] = []
        if args.s3:
            s3, s3_env = _start_s3(tmp_path)
            processes.append(s3)
            env.update(s3_env)
        _manage(env, "migrate", "--noinput")
        created = json.loads(_manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            server_command("console.wsgi", port, 1),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "server.log").open("wb"),
        )
        processes.insert(0, server)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print((tmp_path / "server.log").read_text(), file=sys.stderr)
                    raise RuntimeError("the server did not answer /healthz")
                time.sleep(0.2)
            [worker] = _children(server.pid)
            path = f"/api/v1/workspaces/{created['slug']}/miniprograms/{created['app_id']}/versions"
            warm = tmp_path / "warm.zip"  # the first upload loads code and opens connections
            warm.write_bytes(zip_bytes())
            upload(port, path, created["token"], warm, "0.0.1")

            runs = []
            for number in range(args.repeat):
                can_reset = _reset_peak(worker)
                before = _memory_mb(worker, "VmRSS")
                before_peak = _memory_mb(worker, "VmHWM")
                seconds, answer = upload(port, path, created["token"], package, f"1.0.{number}")
                growth = _memory_mb(worker, "VmHWM") - (before if can_reset else before_peak)
                runs.append((seconds, growth))
                assert answer["package_size"] == package.stat().st_size, answer
                print(
                    f"  upload {answer['number']}: {seconds:.2f} s, {size_mb / seconds:.0f} MB/s,"
                    f" peak RSS {growth:+.1f} MB (from {before:.0f} MB)"
                    + ("" if can_reset else "; the peak could not be reset: from the last peak")
                )
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)

    best = min(seconds for seconds, _growth in runs)
    growth = max(growth for _seconds, growth in runs)
    throughput = size_mb / best
    where = "S3 (moto)" if args.s3 else "local disk"
    print(f"package:    {size_mb:.1f} MB to {where} (best of {args.repeat} uploads)")
    print(f"throughput: {throughput:.0f} MB/s  (target >= {TARGET_MB_S} MB/s)")
    print(f"peak RSS growth of the web process: {growth:.1f} MB  (target <= {TARGET_GROWTH_MB} MB)")
    met = throughput >= TARGET_MB_S and growth <= TARGET_GROWTH_MB
    print("targets:    met" if met else "targets:    MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
