"""Benchmark: the worker's scan + build of a 95 MB package against ``unzip -t`` + ``sha256sum``.

Builds a package of ~95 MB and ~5,000 files (JavaScript and JSON that compress, incompressible
images stored as they are; ``releases.tests.packages.large_package``), then times on that same
file, in the same run:

* the baseline: ``unzip -t -qq pkg.zip`` (decompress and CRC-check every entry) plus
  ``sha256sum pkg.zip``;
* ours, in a child process that has Django and the Celery app loaded like a worker: the SHA-256
  the upload computes, ``scan_package`` and ``build_package`` writing its parts to the same
  spooled temporary files as the worker (``releases.services.pipeline.SPOOL``).

Each is run ``--repeat`` times and the fastest run counts (the file is in the page cache for
both). The child's peak resident memory (``VmHWM``) is the worker's peak. Targets (issue 5):
ours ≤ 3× the baseline, peak ≤ 200 MB. The quality review's time is printed for information.

    .venv/bin/python bench/scan.py [--size-mb 95] [--files 5000] [--repeat 3] [--package PATH]

Needs ``unzip`` and ``sha256sum`` (Debian: ``apt-get install unzip coreutils``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 200


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(package: str, repeat: int) -> None:
    """Run in a separate process: load what a worker loads, then time upload hash, scan, build."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import hashlib

    import console.celery  # noqa: F401 - a worker has the Celery app loaded too
    from releases.package.builder import build_package
    from releases.package.quality import review_package
    from releases.package.scanner import scan_package
    from releases.services.pipeline import SPOOL

    idle_mb = _status_mb("VmRSS")
    best: dict[str, float] = {}
    for _ in range(repeat):
        timings: dict[str, float] = {}
        started = time.perf_counter()
        digest = hashlib.sha256()
        with open(package, "rb") as fh:  # the upload hashes the stream in chunks like this
            while chunk := fh.read(MB):
                digest.update(chunk)
        timings["sha256"] = time.perf_counter() - started
        with ExitStack() as stack, open(package, "rb") as fh:

            def make_file():  # what build_run gives the builder
                return stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL))

            started = time.perf_counter()
            scan = scan_package(fh)
            timings["scan"] = time.perf_counter() - started
            started = time.perf_counter()
            parts = build_package(fh, scan, make_file=make_file)
            timings["build"] = time.perf_counter() - started
            started = time.perf_counter()
            report = review_package(fh, scan)
            timings["quality"] = time.perf_counter() - started
        for name, seconds in timings.items():
            best[name] = min(best.get(name, seconds), seconds)
    print(
        json.dumps(
            {
                "timings": best,
                "idle_mb": idle_mb,
                "peak_mb": _status_mb("VmHWM"),
                "files": len(scan.files),
                "parts": {p.kind + (f" {p.root}" if p.root else ""): p.size for p in parts},
                "findings": report["summary"]["by_rule"],
            }
        )
    )


def _best_of(repeat: int, commands: list[list[str]]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for command in commands:
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=95)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--package", type=Path, help="use (or create) the package at this path")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return 0

    missing = [tool for tool in ("unzip", "sha256sum") if shutil.which(tool) is None]
    if missing:
        print(f"bench/scan.py needs {' and '.join(missing)} for the baseline.", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from releases.tests.packages import large_package

    with tempfile.TemporaryDirectory() as tmp:
        package = args.package or Path(tmp) / "pkg.zip"
        if not package.exists():
            started = time.perf_counter()
            large_package(package, size=int(args.size_mb * MB), files=args.files)
            print(f"built {package} in {time.perf_counter() - started:.1f} s")
        size_mb = package.stat().st_size / MB
        baseline = _best_of(
            args.repeat, [["unzip", "-t", "-qq", str(package)], ["sha256sum", str(package)]]
        )
        result = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", str(package), "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        measured = json.loads(result.stdout.strip().splitlines()[-1])

    timings = measured["timings"]
    ours = timings["sha256"] + timings["scan"] + timings["build"]
    ratio = ours / baseline
    peak = measured["peak_mb"]
    print(f"package:  {size_mb:.1f} MB, {measured['files']} files (best of {args.repeat} runs)")
    print(f"baseline: {baseline:.2f} s   (unzip -t + sha256sum)")
    print(
        f"ours:     {ours:.2f} s   (sha256 {timings['sha256']:.2f} + scan {timings['scan']:.2f}"
        f" + build {timings['build']:.2f})"
    )
    print(f"ratio:    {ratio:.2f}x   (target <= {TARGET_RATIO:g}x)")
    print(
        f"peak RSS: {peak:.0f} MB  (target <= {TARGET_PEAK_MB} MB; {measured['idle_mb']:.0f} MB"
        " with Django and Celery loaded, before the first run)"
    )
    worker = 2 * timings["scan"] + timings["build"]
    print(
        f"for information: the worker's scan and build jobs take {worker:.2f} s (the build job "
        f"scans again), the quality review {timings['quality']:.2f} s"
    )
    met = ratio <= TARGET_RATIO and peak <= TARGET_PEAK_MB
    print("targets:  met" if met else "targets:  MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
