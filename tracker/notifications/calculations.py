"""Who is due what and when: reminder steps, escalation, report keys, retry backoff and cron
schedules in plain English. Pure: no database, no clock (the caller passes the date and time).

Cron here is the classic five fields, read in Europe/London time:
`minute hour day-of-month month day-of-week`, each `*`, a number, a list `1,15`, a range `1-5`
or a step `*/15`; day-of-week 0-7 (0 and 7 are Sunday) or names `mon`..`sun`. When both the day
of the month and the day of the week are restricted, either matching is enough (as in cron).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker import clock

LONDON = clock.ENGLAND  # the one definition of the tracker's zone

# --- What the scheduler can do -------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str
    name: str  # the default schedule's (and job's) name
    cron: str  # its default time
    description: str


KINDS: dict[str, KindSpec] = {
    k.kind: k
    for k in (
        KindSpec(
            "practice_reminder",
            "Practice reminder",
            "practice-reminders",
            "0 7 * * *",
            "Reminds practices whose return is not in: 14 and 3 days before the due date, and on the due date.",
        ),
        KindSpec(
            "overdue_reminder",
            "Overdue reminder",
            "overdue-reminders",
            "15 7 * * *",
            "Chases practices whose return is overdue: 7 days after the due date, then every 7 days until it is in"
            " or the period locks.",
        ),
        KindSpec(
            "ccg_report",
            "CCG status report",
            "ccg-status-report",
            "0 7 * * 1",
            "Each CCG's weekly digest: completeness and timeliness, returns awaiting review, overdue and unreachable"
            " practices, practices off track, funding forecast, with the CCG workbook attached.",
        ),
        KindSpec(
            "region_summary",
            "Regional summary",
            "region-summary",
            "30 7 * * 1",
            "Each region's weekly summary: completeness by CCG and the practices overdue for 4 weeks or more.",
        ),
        KindSpec(
            "alert_digest",
            "Monthly alerts",
            "alert-digest",
            "30 8 1 * *",
            "A monthly digest for each CCG lead (its practices), regional lead (its CCGs) and national user"
            " (every CCG): who moved into or out of the tenth furthest from the target over the last three"
            " quarters, and sustained changes found by CUSUM change detection.",
        ),
        KindSpec(
            "national_summary",
            "National summary",
            "national-summary",
            "0 8 1 * *",
            "NHS England's monthly national summary with the national workbook attached.",
        ),
    )
}

# --- Reminder steps ------------------------------------------------------------------------

DAYS_BEFORE = (14, 3)  # reminders this many days before the due date, then one on the due date
OVERDUE_EVERY_DAYS = 7  # then every 7 days while overdue
ESCALATE_TO_REGION_DAYS = 28  # after 4 weeks overdue the region's summary names the practice


@dataclass(frozen=True)
class Step:
    key: str  # "before-14", "before-3", "due", "overdue-7", "overdue-14", ...
    kind: str  # practice_reminder | overdue_reminder
    on: dt.date  # the day this step falls due


def reminder_steps(due_on: dt.date, locks_on: dt.date) -> list[Step]:
    """Every reminder a practice can receive for one period, in date order."""
    steps = [Step(f"before-{d}", "practice_reminder", due_on - dt.timedelta(days=d)) for d in DAYS_BEFORE]
    steps.append(Step("due", "practice_reminder", due_on))
    late = OVERDUE_EVERY_DAYS
    while due_on + dt.timedelta(days=late) < locks_on:
        steps.append(Step(f"overdue-{late}", "overdue_reminder", due_on + dt.timedelta(days=late)))
        late += OVERDUE_EVERY_DAYS
    return steps


def current_step(due_on: dt.date, locks_on: dt.date, today: dt.date) -> Step | None:
    """The latest step that has fallen due by `today`, or None (too early, or the period has locked).

    Only the latest one counts: after downtime a practice gets one reminder, never a burst of the
    ones it missed. Whether it was already sent is the outbox's idempotency key's business.
    """
    if today >= locks_on:
        return None
    due = [s for s in reminder_steps(due_on, locks_on) if s.on <= today]
    return due[-1] if due else None


def return_is_in(state: str | None, first_submitted_at: dt.datetime | None) -> bool:
    """A submitted return stops the reminders at once (even if the CCG later returns it for changes)."""
    return is_in(state, ever_submitted=first_submitted_at is not None)


def is_in(state: str | None, *, ever_submitted: bool) -> bool:
    """`return_is_in` for a reader that knows whether the return was ever submitted, not when."""
    return ever_submitted or state in {"submitted", "approved"}


def days_overdue(due_on: dt.date, today: dt.date) -> int:
    return max(0, (today - due_on).days)


def escalated_to_region(due_on: dt.date, today: dt.date) -> bool:
    return days_overdue(due_on, today) >= ESCALATE_TO_REGION_DAYS


def reminder_key(ods_code: str, period_code: str, step: str, address: str) -> str:
    """(organisation, period, kind, step) and the recipient: one email per person per step."""
    return f"reminder:{ods_code}:{period_code}:{step}:{address.lower()}"


def chase_key(ods_code: str, period_code: str, day: dt.date, address: str) -> str:
    """A CCG's reminder sent by hand names the practice, the period and the UK date: at most one a day."""
    return f"chase:{ods_code}:{period_code}:{day.isoformat()}:{address.lower()}"


def report_key(kind: str, org_code: str, fire_at: dt.datetime, address: str) -> str:
    """A report stands for one scheduled time (its local date): a second run that day sends nothing."""
    day = fire_at.astimezone(LONDON).date().isoformat()
    return f"{kind}:{org_code}:{day}:{address.lower()}"


def digest_key(kind: str, org_code: str, fire_at: dt.datetime, address: str) -> str:
    """A monthly digest stands for its month (local): a second run in the same month sends nothing,
    whether the schedule catches up, someone runs it by hand or its time is changed."""
    month = fire_at.astimezone(LONDON).strftime("%Y-%m")
    return f"{kind}:{org_code}:{month}:{address.lower()}"


def month_label(fire_at: dt.datetime) -> str:
    """'April 2018': the month a digest is for."""
    return fire_at.astimezone(LONDON).strftime("%B %Y")


# --- Delivery retries --------------------------------------------------------------------

MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(minutes=5)
LONGEST_WAIT = dt.timedelta(hours=6)


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after `attempts` failed ones: 5, 10, 20, 40, 80 minutes... (at most 6 h)."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_WAIT)


def within_lease(elapsed_seconds: float, send_within: dt.timedelta) -> bool:
    """Whether a sender that claimed a batch `elapsed_seconds` ago may still send from it."""
    return elapsed_seconds < send_within.total_seconds()


def gives_up(attempts: int, permanent: bool) -> bool:
    """A permanent refusal (a 5xx answer) or MAX_ATTEMPTS failures flag the email as failed."""
    return permanent or attempts >= MAX_ATTEMPTS


# --- Cron ----------------------------------------------------------------------------------

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DOW_ALIASES = {name[:3].lower(): i for i, name in enumerate(DAY_NAMES)}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_FIELD = re.compile(r"^(\*|\d+|[a-z]{3})(?:-(\d+|[a-z]{3}))?(?:/(\d+))?$")


class CronError(ValueError):
    """A cron expression the tracker cannot read; the message says what to write instead."""


@dataclass(frozen=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]  # day of month 1-31
    months: tuple[int, ...]
    weekdays: tuple[int, ...]  # 0 Monday .. 6 Sunday (Python's weekday())
    any_day: bool
    any_weekday: bool
    text: str

    def matches_date(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        dom, dow = day.day in self.days, day.weekday() in self.weekdays
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return dow
        if self.any_weekday:
            return dom
        return dom or dow

    def times(self) -> list[dt.time]:
        return [dt.time(h, m) for h in self.hours for m in self.minutes]


def _value(raw: str, name: str, low: int, high: int, weekday: bool) -> int:
    if weekday and raw in _DOW_ALIASES:
        return (_DOW_ALIASES[raw] + 1) % 7  # back to cron numbering (0 Sunday) for range checks
    if not raw.isdigit():
        raise CronError(f"{name}: {raw!r} is not a number")
    value = int(raw)
    if not low <= value <= high:
        raise CronError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _field(text: str, name: str, low: int, high: int, weekday: bool = False) -> tuple[set[int], bool]:
    values: set[int] = set()
    star = text == "*"
    for part in text.lower().split(","):
        match = _FIELD.match(part)
        if not match:
            raise CronError(f"{name}: {part!r} is not understood (use *, 7, 1-5, 1,15 or */10)")
        start, end, step = match.groups()
        if start == "*":
            first, last = low, high
        else:
            first = _value(start, name, low, high, weekday)
            last = _value(end, name, low, high, weekday) if end else (high if step else first)
        if last < first:
            raise CronError(f"{name}: the range {part!r} runs backwards")
        values.update(range(first, last + 1, int(step) if step else 1))
    return values, star


def parse_cron(text: str) -> Cron:
    parts = text.split()
    if len(parts) != 5:
        raise CronError("Write five fields: minute hour day-of-month month day-of-week, for example 0 7 * * 1")
    minutes, _ = _field(parts[0], "Minute", 0, 59)
    hours, _ = _field(parts[1], "Hour", 0, 23)
    days, any_day = _field(parts[2], "Day of month", 1, 31)
    months, _ = _field(parts[3], "Month", 1, 12)
    cron_dows, any_weekday = _field(parts[4], "Day of week", 0, 7, weekday=True)
    weekdays = {(d - 1) % 7 for d in cron_dows}  # cron 1 Monday .. 0/7 Sunday -> Python 0 Monday .. 6 Sunday
    return Cron(
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=tuple(sorted(days)),
        months=tuple(sorted(months)),
        weekdays=tuple(sorted(weekdays)),
        any_day=any_day,
        any_weekday=any_weekday,
        text=" ".join(parts),
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _days_phrase(c: Cron) -> str:
    if c.any_day and c.any_weekday:
        return "every day"
    weekday_part = ""
    if not c.any_weekday:
        if c.weekdays == (0, 1, 2, 3, 4):
            weekday_part = "every weekday"
        elif c.weekdays == (5, 6):
            weekday_part = "every Saturday and Sunday"
        else:
            weekday_part = "every " + _join([DAY_NAMES[d] for d in c.weekdays])
    day_part = ""
    if not c.any_day:
        day_part = "on the " + _join([_ordinal(d) for d in c.days]) + " of the month"
    return _join([p for p in (day_part, weekday_part) if p]).replace(" and every", " or every")


def _times_phrase(c: Cron) -> str:
    if len(c.minutes) == 60 and len(c.hours) == 24:
        return "every minute"
    if len(c.hours) == 24:
        if len(c.minutes) > 1 and len(c.minutes) < 60:
            step = c.minutes[1] - c.minutes[0]
            if c.minutes[0] == 0 and all(b - a == step for a, b in zip(c.minutes, c.minutes[1:], strict=False)):
                return f"every {step} minutes"
        return "every hour at " + _join([f"{m} minutes past" for m in c.minutes])
    times = c.times()
    if len(times) > 6:
        return f"{len(times)} times a day, from {times[0]:%H:%M} to {times[-1]:%H:%M}"
    return "at " + _join([f"{t:%H:%M}" for t in times])


def describe_cron(text: str) -> str:
    """'0 7 * * 1' -> 'every Monday at 07:00'. Times are Europe/London."""
    c = parse_cron(text)
    phrase = f"{_days_phrase(c)} {_times_phrase(c)}"
    if len(c.months) < 12:
        phrase += " in " + _join([MONTH_NAMES[m - 1] for m in c.months])
    return phrase


SEARCH_DAYS = 400  # every valid expression fires within a year (29 February apart, see below)


def _fires_on(c: Cron, day: dt.date) -> list[dt.datetime]:
    if not c.matches_date(day):
        return []
    return [dt.datetime.combine(day, t, tzinfo=LONDON).astimezone(dt.UTC) for t in c.times()]


def previous_fire(text: str, now: dt.datetime) -> dt.datetime | None:
    """The latest scheduled time at or before `now` (UTC), within the last 400 days."""
    c = parse_cron(text)
    local = now.astimezone(LONDON).date()
    for back in range(SEARCH_DAYS):
        fires = [f for f in _fires_on(c, local - dt.timedelta(days=back)) if f <= now]
        if fires:
            return max(fires)
    return None


def next_fire(text: str, now: dt.datetime) -> dt.datetime | None:
    """The first scheduled time after `now` (UTC), within the next 400 days (None for 31 February)."""
    c = parse_cron(text)
    local = now.astimezone(LONDON).date()
    for ahead in range(SEARCH_DAYS * 4):  # 29 February can be four years away
        fires = [f for f in _fires_on(c, local + dt.timedelta(days=ahead)) if f > now]
        if fires:
            return min(fires)
    return None


def is_due(text: str, now: dt.datetime, last_fire_at: dt.datetime | None) -> dt.datetime | None:
    """The scheduled time a run now would stand for, or None if that time has been run already.

    However many ticks were missed while the tracker was down, this is the one latest time: a
    catch-up runs once.
    """
    fire = previous_fire(text, now)
    if fire is None or (last_fire_at is not None and fire <= last_fire_at):
        return None
    return fire
