"""``manage.py analytics_rollup [--from YYYY-MM-DD] [--to YYYY-MM-DD]``: roll days up again.

The backfill of the T+1 rollups (``analytics.rollups``): every UTC day of the range in order,
then the later days that already have rows are re-chained (their total users and DoD). The
default range is yesterday alone; ``--from`` alone runs to yesterday, ``--to`` alone is one
day. A range may not reach past yesterday (today is not over). Days whose raw events are gone
(past the 3-day retention) are skipped and their rows kept; the command says so.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from analytics.rollups import rollup_range_report, today_utc


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Roll up the analytics events of a range of UTC days (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="first day")
        parser.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="last day")

    def handle(self, *args, first: str | None, last: str | None, **options):
        yesterday = today_utc() - timedelta(days=1)
        first_day, last_day = _date(first, "--from"), _date(last, "--to")
        if last_day is None:
            last_day = yesterday
        if first_day is None:
            first_day = last_day
        for option, day in (("--from", first_day), ("--to", last_day)):
            if day > yesterday:
                raise CommandError(
                    f"{option} {day.isoformat()} is not over yet: the newest day that can be "
                    f"rolled up is yesterday, {yesterday.isoformat()} (UTC)."
                )
        if first_day > last_day:
            raise CommandError(
                f"--from {first_day.isoformat()} is after --to {last_day.isoformat()}."
            )
        report = rollup_range_report(first_day, last_day)
        for result in report.days:
            if result.skipped:
                self.stdout.write(
                    self.style.WARNING(f"{result.day}: skipped, rows kept — {result.skipped}")
                )
            else:
                removed = f", {result.deleted:,} removed" if result.deleted else ""
                self.stdout.write(f"{result.day}: {result.rows:,} rows{removed}")
        if report.rechained:
            self.stdout.write(
                f"re-chained total users and DoD of {len(report.rechained)} later day(s): "
                f"{report.rechained[0]} to {report.rechained[-1]}"
            )
        rolled = len(report.days) - len(report.skipped)
        self.stdout.write(
            self.style.SUCCESS(
                f"{rolled} day(s) rolled up, {report.rows:,} rows written"
                + (f", {len(report.skipped)} skipped" if report.skipped else "")
                + "."
            )
        )
