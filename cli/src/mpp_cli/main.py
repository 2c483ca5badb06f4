"""``mpp``: log in, upload a mini program version and follow its scan, list versions, submit
them for release, publish, withdraw, roll back, run grayscale tasks (``mpp grayscale …``),
download offline packages, and read the subscription messages sent (``mpp messages …``).

Exit codes: 0 done; 1 the server refused (its message and request id are printed) or the
package is too large; 2 usage (bad arguments, not logged in, no such path or host app); 3 the
package failed its scan; 4 the server could not be reached (or a download arrived damaged);
5 gave up waiting (``--timeout``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap

from mpp_cli import __version__, config, grayscale, messages, package, releases
from mpp_cli.client import ApiError, NetworkError, PackageChanged, SaveFailed
from mpp_cli.commands import (
    API_ERROR,
    INTERRUPTED,
    NETWORK,
    USAGE,
    UsageError,
    cmd_login,
    cmd_logout,
    cmd_upload,
    cmd_versions,
    error,
    note,
)

# Copied from the server (releases/package/versioning.py) so a typo fails before a long upload.
_VERSION = re.compile(r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$")
_APP_ID = re.compile(r"^[1-9][0-9]{15}$")
FIELD_LABELS = {
    "version": "--version",
    "notes": "--notes",
    "package": "PATH",
    "host_app_ids": "--host-app",
    "environment": "--env",
    "note": "--note",
    "name": "--name",
    "starts_at": "--start",
    "ends_at": "--end",
    "max_users": "--max-users",
    "percentage": "--percentage",
    "accounts": "--accounts-file",
    "accounts_file": "--accounts-file",
    "device_ids": "--device-ids-file",
    "device_ids_file": "--device-ids-file",
    "guids": "--guids-file",
    "guids_file": "--guids-file",
    "networks": "--network",
    "platforms": "--platform",
    "host_app_version_min": "--host-app-version",
    "host_app_version_max": "--host-app-version",
    "search": "--search",
    "state": "--state",
    "template_id": "--template-id",
    "since": "--since",
    "until": "--until",
    "days": "--days",
}

EXAMPLES = """\
examples:
  mpp login --url https://mpp.example.com      # asks for an API token (or set MPP_TOKEN)
  mpp upload --app-id 2021004112345678 --version 1.2.3 --notes "Cart fixes" ./my-app
  mpp upload --app-id 2021004112345678 --version 1.2.4 build/package.zip --no-wait
  mpp versions --app-id 2021004112345678
  mpp versions --app-id 2021004112345678 --json | jq '.[0].status'
  mpp submit 2021004112345678 1.2.3 --env production --host-app "Acme Wallet" --notes "Sale"
  mpp releases 2021004112345678                 # what is online where, what is in review
  mpp publish 2021004112345678 42               # release 42, once approved
  mpp rollback 2021004112345678 --host-app "Acme Wallet" --env production
  mpp offline-package 2021004112345678 1.2.3 -o dist/
  mpp grayscale list 2021004112345678 --host-app "Acme Wallet" --env production
  mpp grayscale create 2021004112345678 1.2.4 --host-app "Acme Wallet" --env production \
      --name "Early access" --start 2026-12-01T10:00 --end 2026-12-08T10:00 --max-users 500 \
      --percentage 5 --accounts-file testers.txt --network wifi --platform android:13:15
  mpp grayscale percentage 2021004112345678 7 20   # task 7: from 5 % up to 20 %
  mpp messages list 2021004112345678 --state failed --since 2026-12-01
  mpp messages stats 2021004112345678 --days 7

Create an API token in the console under Account → API tokens. In CI, set MPP_URL and
MPP_TOKEN instead of logging in. Exit codes: 0 done, 1 refused by the server, 2 usage error,
3 scan failed, 4 server unreachable, 5 timed out waiting.
"""


def report_api_error(exc: ApiError) -> None:
    fields = {k: v for k, v in exc.fields.items() if v}
    if not fields or exc.message != "Some fields are invalid.":
        hint = " Run `mpp login` again." if exc.status == 401 else ""
        error(exc.message + hint)
    for name, texts in fields.items():
        for message in texts:
            error(f"{FIELD_LABELS.get(name, name)}: {message}")
    if exc.request_id:
        note(f"mpp: request id: {exc.request_id} (quote it when you report a problem)")


# --- argument types ---------------------------------------------------------------------------


def app_id_arg(value: str) -> str:
    if not _APP_ID.match(value.strip()):
        raise argparse.ArgumentTypeError(
            f"“{value}” is not an App ID: App IDs are 16 digits (the mini program's page in the "
            "console shows it)"
        )
    return value.strip()


def version_arg(value: str) -> str:
    text = value.strip()
    if text.lower().startswith("v") and _VERSION.match(text[1:]):
        text = text[1:]
    if not _VERSION.match(text):
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers "
            "from 0 to 999,999 without leading zeros (e.g. 1.4.0)"
        )
    return text


def seconds_arg(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"“{value}” is not a positive number of seconds")
    return seconds


# --- the parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mpp",
        description="Upload mini program packages to an MPP console, follow their scan, release "
        "them to host apps, run grayscale tasks, download offline packages and read the "
        "subscription messages sent.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mpp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    login = commands.add_parser(
        "login",
        help="store the console URL and your API token",
        description="Check the token against the console and store URL + token in "
        f"{config.config_path()} (mode 0600; MPP_CONFIG changes the path).",
    )
    login.add_argument("--url", help="the console's address, e.g. https://mpp.example.com")
    login.add_argument(
        "--token",
        help="a personal API token (safer: leave it out to be asked, or set MPP_TOKEN)",
    )
    login.set_defaults(handler=cmd_login)

    logout = commands.add_parser("logout", help="forget the stored URL and token")
    logout.set_defaults(handler=cmd_logout)

    upload = commands.add_parser(
        "upload",
        help="upload a version (a .zip, or a project folder it zips) and wait for its scan",
        description="Upload PATH as a new version, then wait until it is scanned and built. "
        "PATH is a .zip package or the project folder with app.json at its top (zipped without "
        ".git, node_modules and .DS_Store). Packages of 100 MB or more are refused.",
    )
    upload.add_argument("--app-id", required=True, type=app_id_arg, help="the 16-digit App ID")
    upload.add_argument(
        "--version",
        required=True,
        type=version_arg,
        help="MAJOR.MINOR.PATCH, greater than every version uploaded before",
    )
    upload.add_argument("--notes", default="", help="what changed (up to 1,000 characters)")
    upload.add_argument(
        "--workspace", metavar="SLUG", help="the workspace (found from the App ID when omitted)"
    )
    upload.add_argument(
        "--no-wait", action="store_true", help="return after the upload, without waiting"
    )
    upload.add_argument(
        "--timeout",
        type=seconds_arg,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for the scan (default: 600)",
    )
    upload.add_argument("path", metavar="PATH", help="a .zip package or a project folder")
    upload.set_defaults(handler=cmd_upload)

    versions = commands.add_parser("versions", help="list a mini program's versions")
    versions.add_argument("--app-id", required=True, type=app_id_arg, help="the 16-digit App ID")
    versions.add_argument("--workspace", metavar="SLUG", help="the workspace (found when omitted)")
    versions.add_argument("--json", action="store_true", help="print the versions as JSON")
    versions.set_defaults(handler=cmd_versions)
    add_release_commands(commands)
    return parser


ENV_HELP = "development, test, sandbox or production (production waits for the host app's review)"


def _app_id_and_workspace(command: argparse.ArgumentParser) -> None:
    command.add_argument("app_id", metavar="APP_ID", type=app_id_arg, help="the 16-digit App ID")
    command.add_argument("--workspace", metavar="SLUG", help="the workspace (found when omitted)")


def release_id_arg(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a release id: `mpp releases APP_ID` lists them (RELEASE)"
        )
    return int(value)


def add_release_commands(commands) -> None:
    listing = commands.add_parser(
        "releases",
        help="where each version is online, and what is in review",
        description="One line per host app and environment the mini program was submitted to: "
        "the version online there (since when) and the release in progress with its state and "
        "id (for withdraw and publish).",
    )
    _app_id_and_workspace(listing)
    listing.add_argument("--json", action="store_true", help="print the targets as JSON")
    listing.set_defaults(handler=releases.cmd_releases)

    submit = commands.add_parser(
        "submit",
        help="submit a ready version for release to host apps in one environment",
        description="Submit a ready version to one or more of the mini program's host apps in "
        "one environment. Outside production it is approved at once (then publish it); in "
        "production it waits for the review of the tenant that owns the host app.",
    )
    _app_id_and_workspace(submit)
    submit.add_argument("version", metavar="VERSION", type=version_arg, help="MAJOR.MINOR.PATCH")
    submit.add_argument(
        "--env", required=True, choices=releases.ENVIRONMENTS, metavar="ENV", help=ENV_HELP
    )
    submit.add_argument(
        "--host-app",
        required=True,
        action="append",
        metavar="NAME_OR_ID",
        help="a host app the mini program is released to, by name or id (repeat for several)",
    )
    submit.add_argument("--notes", default="", help="for the reviewers (up to 1,000 characters)")
    submit.set_defaults(handler=releases.cmd_submit)

    for name, verb, text in (
        (
            "withdraw",
            releases.cmd_withdraw,
            "withdraw a release under review (its submitter, an Owner or an Admin)",
        ),
        ("publish", releases.cmd_publish, "put an approved release online (Owner or Admin)"),
    ):
        action = commands.add_parser(
            name,
            help=text,
            description=f"{text[0].upper()}{text[1:]}. RELEASE_ID is in `mpp releases APP_ID`.",
        )
        _app_id_and_workspace(action)
        action.add_argument(
            "release_id", metavar="RELEASE_ID", type=release_id_arg, help="the release's id"
        )
        action.set_defaults(handler=verb)

    rollback = commands.add_parser(
        "rollback",
        help="put the previous version back online on one host app and environment",
        description="The version online before the current one goes back online there (Owner "
        "or Admin). Two rollbacks in a row are refused: a new release must happen first.",
    )
    _app_id_and_workspace(rollback)
    rollback.add_argument(
        "--host-app", required=True, metavar="NAME_OR_ID", help="the host app, by name or id"
    )
    rollback.add_argument(
        "--env",
        required=True,
        choices=releases.ENVIRONMENTS,
        metavar="ENV",
        help="development, test, sandbox or production",
    )
    rollback.add_argument("--note", default="", help="why (up to 1,000 characters)")
    rollback.set_defaults(handler=releases.cmd_rollback)

    offline = commands.add_parser(
        "offline-package",
        help="download a version that is online as APP_ID_VERSION.apkg",
        description="Save the offline package of a version that is online on at least one "
        "host app as {App ID}_{version}.apkg, after checking every file in it against its "
        "SHA-256. Refused while the mini program is off shelf.",
    )
    _app_id_and_workspace(offline)
    offline.add_argument("version", metavar="VERSION", type=version_arg, help="MAJOR.MINOR.PATCH")
    offline.add_argument(
        "-o",
        "--output",
        default=".",
        metavar="DIR",
        help="the folder to save it in (default: the current one)",
    )
    offline.set_defaults(handler=releases.cmd_offline_package)
    add_grayscale_commands(commands)
    add_message_commands(commands)


GRAYSCALE_EXAMPLES = """\
examples:
  mpp grayscale list 2021004112345678 --host-app "Acme Wallet" --env production
  mpp grayscale create 2021004112345678 1.2.4 --host-app "Acme Wallet" --env production \\
      --name "Early access" --start 2026-12-01T10:00 --end 2026-12-08T10:00 --max-users 500 \\
      --percentage 5 --accounts-file testers.txt --network wifi --platform android:13:15
  mpp grayscale show 2021004112345678 7            # conditions, progress, history
  mpp grayscale suspend 2021004112345678 7
  mpp grayscale percentage 2021004112345678 7 20
  mpp grayscale replace-version 2021004112345678 7 1.2.5   # the hotfix path
  mpp grayscale end 2021004112345678 7 --note "Full release next"
"""


def add_grayscale_commands(commands) -> None:
    group = commands.add_parser(
        "grayscale",
        help="grayscale tasks: deliver a version to some users before everyone",
        description=textwrap.fill(
            "A grayscale task delivers an approved version, newer than the one online, to the "
            "users of one host app and environment who match all its conditions, up to a "
            "number of users and until its end time. Tasks are pending → delivering ⇄ "
            "suspended → ended. Creating and acting on tasks needs what publishing needs "
            "(Owner or Admin).",
            width=78,
        ),
        epilog=GRAYSCALE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group.set_defaults(handler=None, group_parser=group)
    sub = group.add_subparsers(dest="grayscale_command", metavar="ACTION")

    def where(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--host-app", required=True, metavar="NAME_OR_ID", help="the host app, by name or id"
        )
        command.add_argument(
            "--env",
            required=True,
            choices=releases.ENVIRONMENTS,
            metavar="ENV",
            help="development, test, sandbox or production",
        )

    listing = sub.add_parser(
        "list",
        help="the tasks of one host app and environment, newest first",
        description="One line per task, newest first: its id (for the actions), name, version, "
        "state, users delivered / limit and percentage.",
    )
    _app_id_and_workspace(listing)
    where(listing)
    listing.add_argument("--json", action="store_true", help="print the tasks as JSON")
    listing.set_defaults(handler=grayscale.cmd_list)

    create = sub.add_parser(
        "create",
        help="start a grayscale task",
        description=textwrap.fill(
            "Start a task for VERSION (approved on that host app and environment, not online, "
            "higher than the online version; the first release of a target is a full "
            "release). A user gets it only when all the conditions match. Target lists are "
            ".txt files, one value per line, up to 100,000 lines: the server reports every bad "
            "line by its number and keeps nothing. Times are ISO 8601 (without an offset: "
            "local time).",
            width=78,
        ),
        epilog=GRAYSCALE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _app_id_and_workspace(create)
    create.add_argument("version", metavar="VERSION", type=version_arg, help="MAJOR.MINOR.PATCH")
    where(create)
    create.add_argument("--name", required=True, help="the task's name (up to 20 characters)")
    create.add_argument(
        "--start", required=True, type=grayscale.when_arg, metavar="TIME", help="when it starts"
    )
    create.add_argument(
        "--end", required=True, type=grayscale.when_arg, metavar="TIME", help="when it ends"
    )
    create.add_argument(
        "--max-users",
        required=True,
        type=grayscale.max_users_arg,
        metavar="N",
        help="the most users it delivers to",
    )
    create.add_argument(
        "--percentage",
        type=grayscale.percentage_arg,
        metavar="P",
        help="only this share of the matching users (more than 0, at most 100; it can be "
        "raised later, never lowered)",
    )
    for flag, what in (
        ("--accounts-file", "user accounts"),
        ("--device-ids-file", "device ids"),
        ("--guids-file", "GUIDs"),
    ):
        create.add_argument(flag, metavar="FILE.txt", help=f"only these {what}, one a line")
    create.add_argument(
        "--network",
        action="append",
        choices=grayscale.NETWORKS,
        metavar="TYPE",
        help=f"only on this network type ({', '.join(grayscale.NETWORKS)}; repeat for several)",
    )
    create.add_argument(
        "--platform",
        action="append",
        type=grayscale.platform_arg,
        metavar="OS[:MIN[:MAX]]",
        help="only on this platform, optionally an OS version range: android:13:15, ios:16: "
        "(repeat for both)",
    )
    create.add_argument(
        "--host-app-version",
        type=grayscale.range_arg,
        metavar="MIN:MAX",
        help="only in these host app versions (8.0:9.0; either side may be empty)",
    )
    create.set_defaults(handler=grayscale.cmd_create)

    def one_task(name: str, text: str, handler) -> argparse.ArgumentParser:
        command = sub.add_parser(
            name,
            help=text,
            description=f"{text[0].upper()}{text[1:]}. TASK_ID is in `mpp grayscale list`.",
        )
        _app_id_and_workspace(command)
        command.add_argument(
            "task_id", metavar="TASK_ID", type=grayscale.task_id_arg, help="the task's id"
        )
        command.set_defaults(handler=handler)
        return command

    show = one_task(
        "show",
        "one task in full: conditions, progress, schedule and history",
        grayscale.cmd_show,
    )
    show.add_argument("--json", action="store_true", help="print the task as JSON")
    suspend = one_task(
        "suspend", "stop a delivering task for now (resume restarts it)", grayscale.cmd_suspend
    )
    suspend.add_argument("--note", default="", help="why (kept in the audit log)")
    one_task(
        "resume",
        "deliver a suspended task again (refused after its end time or at its user limit)",
        grayscale.cmd_resume,
    )
    end = one_task(
        "end", "end a task for good: its users get the online version again", grayscale.cmd_end
    )
    end.add_argument("--note", default="", help="why (kept in the audit log)")
    percentage = one_task(
        "percentage",
        "raise a task's percentage (only up: users already in stay in)",
        grayscale.cmd_percentage,
    )
    percentage.add_argument(
        "percentage", metavar="PERCENTAGE", type=grayscale.percentage_arg, help="the new share"
    )
    replace = one_task(
        "replace-version",
        "give an unfinished task a newer approved version for the same users (a hotfix)",
        grayscale.cmd_replace_version,
    )
    replace.add_argument(
        "version", metavar="VERSION", type=version_arg, help="the newer version, MAJOR.MINOR.PATCH"
    )


MESSAGES_EXAMPLES = """\
examples:
  mpp messages list 2021004112345678                        # the newest 50
  mpp messages list 2021004112345678 --state failed --since 2026-12-01 --until 2026-12-02
  mpp messages list 2021004112345678 --template-id T --search u-1 --limit 500 --json
  mpp messages show 2021004112345678 0b6f…                  # values, page, last answer
  mpp messages stats 2021004112345678 --days 7              # per template: sent, delivered…
"""


def add_message_commands(commands) -> None:
    group = commands.add_parser(
        "messages",
        help="the subscription messages a mini program sent, and their delivery",
        description=textwrap.fill(
            "The subscription messages the mini program's backend sent and their delivery to "
            "the host apps' message endpoints (queued → sending → delivered or failed), "
            "newest first, and the numbers per My Template. Everyone who reads the mini "
            "program; a host tenant sees the messages of its own host apps only. Days are UTC "
            "days.",
            width=78,
        ),
        epilog=MESSAGES_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group.set_defaults(handler=None, group_parser=group)
    sub = group.add_subparsers(dest="messages_command", metavar="ACTION")

    listing = sub.add_parser(
        "list",
        help="the delivery log, newest first",
        description="One line per message, newest first: its id (for show), template id, "
        "user, state, attempts, the endpoint's last answer (HTTP status or error), when it was "
        "sent and delivered. Follows the pages up to --limit messages.",
        epilog=MESSAGES_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _app_id_and_workspace(listing)
    listing.add_argument(
        "--state",
        type=messages.state_arg,
        metavar="STATE",
        help=f"only messages in this state ({', '.join(messages.STATES)})",
    )
    listing.add_argument(
        "--template-id",
        type=messages.template_id_arg,
        metavar="T",
        help="only messages of this My Template",
    )
    listing.add_argument(
        "--search",
        type=messages.search_arg,
        metavar="S",
        help="a whole message id, user id (open, or your host app's) or template id",
    )
    listing.add_argument(
        "--since", type=messages.day_arg, metavar="YYYY-MM-DD", help="sent on or after this day"
    )
    listing.add_argument(
        "--until", type=messages.day_arg, metavar="YYYY-MM-DD", help="sent on or before this day"
    )
    listing.add_argument(
        "--limit",
        type=messages.limit_arg,
        default=50,
        metavar="N",
        help="at most N messages (default: 50)",
    )
    listing.add_argument("--json", action="store_true", help="print the messages as JSON")
    listing.set_defaults(handler=messages.cmd_list)

    show = sub.add_parser(
        "show",
        help="one message in full: keywords and values, page, attempts and last answer",
        description="Every field of one message: its template, host app and user, the "
        "keywords and values sent, the page it opens, its state, attempts and the endpoint's "
        "last answer. MESSAGE_ID is in `mpp messages list APP_ID`.",
    )
    _app_id_and_workspace(show)
    show.add_argument(
        "message_id", metavar="MESSAGE_ID", type=messages.message_id_arg, help="the message's id"
    )
    show.add_argument("--json", action="store_true", help="print the message as JSON")
    show.set_defaults(handler=messages.cmd_show)

    stats = sub.add_parser(
        "stats",
        help="per My Template: messages sent, delivered, failed and pending",
        description="For each My Template of the mini program, newest first: the messages sent "
        "in the last DAYS UTC days (today included) and how many were delivered, failed or are "
        "still pending (queued or being sent). --json adds the numbers per day.",
    )
    _app_id_and_workspace(stats)
    stats.add_argument(
        "--days",
        type=messages.days_arg,
        default=30,
        metavar="DAYS",
        help=f"how many days, 1 to {messages.DAYS_MAX} (default: 30)",
    )
    stats.add_argument("--json", action="store_true", help="print the numbers as JSON")
    stats.set_defaults(handler=messages.cmd_stats)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        getattr(args, "group_parser", parser).print_help(sys.stderr)
        return USAGE
    try:
        return args.handler(args)
    except package.PackageTooLarge as exc:
        error(str(exc))
        return API_ERROR
    except (UsageError, config.ConfigError, package.PackageError, SaveFailed) as exc:
        error(str(exc))
        return USAGE
    except ApiError as exc:
        report_api_error(exc)
        return API_ERROR
    except PackageChanged as exc:
        error(f"{exc} Upload it again.")
        return API_ERROR
    except (NetworkError, releases.DownloadDamaged) as exc:
        error(str(exc))
        return NETWORK
    except KeyboardInterrupt:
        note("\nmpp: interrupted.")
        return INTERRUPTED
