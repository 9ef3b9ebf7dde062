"""View models for the returns pages: labels, tag colours, formatted values. Pure."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from tracker.indicators.catalogue import THEMES, IndicatorSpec
from tracker.organisations.presenters import practice_title
from tracker.returns import calculations as calc
from tracker.returns.calculations import Entry

if TYPE_CHECKING:
    from tracker.audit.service import EntityEvent
    from tracker.returns.review_service import QueueRow, ReviewGrid

TAG_COLOURS = {
    None: "grey",
    "draft": "yellow",
    "submitted": "blue",
    "approved": "green",
    "returned": "red",
}


def state_tag(state: str | None) -> dict[str, str]:
    return {
        "text": calc.STATE_LABELS.get(state, state or ""),
        "classes": f"nhsuk-tag--{TAG_COLOURS.get(state, 'grey')}",
    }


def format_value(spec: IndicatorSpec, entry: Entry | None) -> str:
    if entry is None or entry.value is None:
        return "Not given"
    if spec.unit == "yesno":
        return "Yes" if entry.value >= 0.5 else "No"
    if spec.unit == "count":
        return f"{entry.value:,.0f}"
    text = f"{entry.value:g}%"
    if entry.numerator is not None and entry.denominator is not None:
        text += f" ({entry.numerator:,} of {entry.denominator:,})"
    return text


def target_text(spec: IndicatorSpec, as_at: dt.date) -> str:
    if spec.unit == "yesno":
        goal = "Yes" if spec.target_value >= 0.5 else "No"
    elif spec.unit == "percent":
        goal = f"{spec.target_value:g}%"
    else:
        goal = f"{spec.target_value:g}"
    deadline = spec.target_date_for(as_at)
    when = f"every 31 March (next {deadline:%-d %B %Y})" if spec.target_annual else f"by {deadline:%-d %B %Y}"
    return f"{goal} {when}"


def provenance_label(spec: IndicatorSpec) -> str:
    return "National target" if spec.provenance_kind == "national" else "Local ambition"


_FRACTION = re.compile(r"^Of (?P<whole>.+?), the percentage (?P<part>.+?)(?: \(.*\))?\.?$")


def fraction_labels(definition: str) -> tuple[str, str]:
    """What a percentage's numerator and denominator count, read from the catalogue's definition
    ("Of the patients on the practice list, the percentage with a Summary Care Record.")."""
    match = _FRACTION.match(definition.strip())
    if not match:
        return "Numerator (optional)", "Denominator (optional)"
    return f"Numerator (optional): those {match['part']}", f"Denominator (optional): {match['whole']}"


def form_sections(
    specs: list[IndicatorSpec],
    raw: dict[str, dict[str, str]],
    previous: dict[str, Entry],
    warnings: dict[str, str],
    as_at: dt.date,
    feeds: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The form's indicators grouped by theme, in the catalogue's order; `feeds`: the national
    feeds' values beside the practice's (tracker.feeds.presenters.form_feeds)."""
    by_theme: dict[str, list[dict[str, Any]]] = {}
    for spec in specs:
        values = raw.get(spec.code, {})
        by_theme.setdefault(spec.theme, []).append(
            {
                "code": spec.code,
                "name": spec.name,
                "unit": spec.unit,
                "definition": spec.definition,
                "target": target_text(spec, as_at),
                "provenance": provenance_label(spec),
                "provenance_kind": spec.provenance_kind,
                "provenance_detail": spec.provenance,
                "previous": format_value(spec, previous.get(spec.code)) if spec.code in previous else "No return",
                "value": values.get("value", ""),
                "numerator": values.get("numerator", ""),
                "denominator": values.get("denominator", ""),
                "comment": values.get("comment", ""),
                "numerator_label": fraction_labels(spec.definition)[0],
                "denominator_label": fraction_labels(spec.definition)[1],
                "warning": warnings.get(spec.code, ""),
                "feed": (feeds or {}).get(spec.code),
            }
        )
    order = {t: i for i, t in enumerate(THEMES)}
    return [
        {"theme": theme, "id": "theme-" + theme.lower().replace(" ", "-"), "indicators": items}
        for theme, items in sorted(by_theme.items(), key=lambda kv: order.get(kv[0], 99))
    ]


def lifecycle_steps(state: str | None, returned_reason: str) -> list[dict[str, Any]]:
    """The return's journey, with the current step marked."""
    steps = [("draft", "Draft"), ("submitted", "Submitted"), ("approved", "Approved")]
    reached = {None: 0, "draft": 1, "returned": 1, "submitted": 2, "approved": 3}[state]
    out = [{"label": "Not started", "done": True, "current": state is None}]
    for i, (key, label) in enumerate(steps, start=1):
        out.append({"label": label, "done": reached >= i, "current": state == key})
    if state == "returned":
        # The reason is shown once, above the steps, in words addressed to whoever reads it.
        out.insert(2, {"label": "Returned to practice", "done": True, "current": True})
    return out


def conflict_rows(specs: list[IndicatorSpec], saved: dict[str, Entry], typed: dict[str, Entry]) -> list[dict[str, str]]:
    """Where what is saved now differs from what the person typed."""
    rows = []
    for s in specs:
        a, b = saved.get(s.code) or Entry(), typed.get(s.code) or Entry()
        if a != b:
            rows.append(
                {
                    "name": s.name,
                    "saved": format_value(s, a) + (f" – {a.comment}" if a.comment else ""),
                    "typed": format_value(s, b) + (f" – {b.comment}" if b.comment else ""),
                }
            )
    return rows


def history_rows(
    events: list[EntityEvent], names: dict[str, str] | None = None, people: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The return's history in words: indicators by their names (never their codes), people by
    their names with the address they signed in with (`people`: names by address), comments quoted."""
    names = names or {}
    people = people or {}
    labels = {
        "return.created": "Started",
        "return.value_changed": "Changed",
        "return.submitted": "Submitted",
        "return.resubmitted": "Resubmitted",
        "return.approved": "Approved",
        "return.returned": "Returned to practice",
        "return.withdrawn": "Withdrawn by the practice",
        "return.reopened": "Reopened by the CCG",
        "return.uploaded": "Changed by spreadsheet upload",
        "return.comment": "Commented",
    }
    rows = []
    for e in events:
        data = json.loads(e.detail or "{}")
        what = labels.get(e.action, e.action)
        if e.action == "return.value_changed":
            old, new = data.get("old") or {}, data.get("new") or {}
            indicator = str(data.get("indicator") or "")
            what = f"{names.get(indicator, 'An indicator no longer collected')}: {_short(old)} → {_short(new)}"
        elif e.action in ("return.returned", "return.reopened") and data.get("reason"):
            what += f": {data.get('reason', '')}"
        elif e.action == "return.comment":
            what += f": “{data.get('text', '')}”"
        at = e.at
        rows.append(
            {
                "at": at.strftime("%-d %b %Y %H:%M") if isinstance(at, dt.datetime) else str(at),
                "actor": f"{people[e.actor.lower()]} ({e.actor})" if e.actor.lower() in people else e.actor,
                "what": what,
            }
        )
    return rows


def _short(entry: dict[str, Any]) -> str:
    value = entry.get("value") if entry else None
    return "blank" if value is None else f"{value:g}"


def review_rows(
    queue: list[QueueRow], feed_flags: dict[int, list[str]] | None = None, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The review queue's rows; an indicator that differs from a national feed is named as on the form."""
    return [
        {
            "id": r.id,
            "ods_code": r.ods_code,
            "name": practice_title(r.name),
            "period": r.period_code,
            "url_period": calc.url_code(r.period_code),
            "submitted": r.submitted_at,
            "feed_flags": [(names or {}).get(code, code) for code in (feed_flags or {}).get(r.id, [])],
        }
        for r in queue
    ]


def grid_label(state: str) -> str:
    """The words of a grid cell's state ("none" is not started, "missed" a locked period without a return)."""
    if state == "missed":
        return calc.MISSED_LABEL
    return calc.STATE_LABELS[None if state == "none" else state]


def grid_view(grid: ReviewGrid, *, outstanding_only: bool = False, selected: set[str] | None = None) -> dict[str, Any]:
    """The grid's rows (all practices, or only those with an outstanding return for the open period)."""
    rows = []
    for r in grid.rows:
        if outstanding_only and not r.outstanding:
            continue
        cells = [
            {
                "state": cell.state,
                "label": grid_label(cell.state),
                "href": f"/practices/{r.ods_code}/returns/{calc.url_code(period.code)}",
            }
            for period, cell in zip(grid.periods, r.cells, strict=True)
        ]
        rows.append(
            {
                "ods_code": r.ods_code,
                "name": practice_title(r.name),
                "cells": cells,
                "outstanding": r.outstanding,
                "selected": r.ods_code in (selected or set()),
            }
        )
    counts = []
    for c in grid.counts:
        rate = (100.0 * c.submitted / c.expected) if c.expected else 0.0
        on_time = (100.0 * c.on_time / c.expected) if c.expected else 0.0
        counts.append(
            {
                "expected": c.expected,
                "submitted": c.submitted,
                "on_time": c.on_time,
                "approved": c.approved,
                "rate": f"{rate:.0f}%",
                "on_time_rate": f"{on_time:.0f}%",
            }
        )
    return {
        "periods": [p.code for p in grid.periods],
        "rows": rows,
        "counts": counts,
        "practices": len(grid.rows),
        "outstanding": len(grid.outstanding),
        "open_period": period_label(grid.open_period.code) if grid.open_period else "",
        "outstanding_only": outstanding_only,
    }


def period_label(code: str) -> str:
    """'2017/18-Q4' -> '2017/18 Q4'."""
    return code.replace("-", " ")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def chase_view(chase: Any) -> dict[str, Any]:
    """The chase preview: each practice, who its reminder goes to, and the emails exactly as they go."""
    from tracker.notifications.presenters import email_body

    rows = []
    for t in chase.targets:
        if not t.to:
            status = "No one to email"
        elif t.already:
            status = "Already reminded today"
        else:
            status = "Will be reminded"
        rows.append(
            {
                "ods_code": t.ods_code,
                "name": t.name,
                "to": t.to,
                "status": status,
                "sendable": bool(t.to and not t.already),
            }
        )
    sendable = chase.sendable
    emails = [
        {
            "ods_code": t.ods_code,
            "name": t.name,
            "to": t.to,
            "subject": t.email.subject,
            "html": email_body(t.email.html),
            "text": t.email.text,
        }
        for t in sendable
    ]
    n = len(sendable)
    return {
        "period": period_label(chase.period["code"]) if chase.period else "",
        "rows": rows,
        "emails": emails,
        "codes": [t.ods_code for t in sendable],
        "count": n,
        "button": f"Send {_plural(n, 'reminder', 'reminders')}",
        "already": [f"{t.ods_code} was already reminded today" for t in chase.already],
        "no_address": [f"{t.ods_code} {t.name} has no one to email" for t in chase.no_address],
        "not_outstanding": chase.not_outstanding,
    }


def chase_sent_title(sent: Any) -> str:
    if not sent.queued:
        return "No reminders sent"
    return f"{_plural(len(sent.queued), 'reminder', 'reminders')} sent"


# --- The return as short pages: task list, section pages, check your answers -----------------

COMPLETED, IN_PROGRESS, NOT_STARTED = "Completed", "In progress", "Not started"


def section_slug(theme: str) -> str:
    """A theme's part of a section page's address: 'Records and transfers' -> 'records-and-transfers'."""
    return theme.lower().replace(" ", "-")


def sections_of(specs: list[IndicatorSpec]) -> list[tuple[str, list[IndicatorSpec]]]:
    """The return's sections: the catalogue's themes in their order, each with its indicators."""
    by_theme: dict[str, list[IndicatorSpec]] = {}
    for spec in specs:
        by_theme.setdefault(spec.theme, []).append(spec)
    order = {t: i for i, t in enumerate(THEMES)}
    return sorted(by_theme.items(), key=lambda kv: order.get(kv[0], 99))


def section_specs(specs: list[IndicatorSpec], slug: str) -> tuple[str, list[IndicatorSpec]] | None:
    return next(((theme, items) for theme, items in sections_of(specs) if section_slug(theme) == slug), None)


def section_status(specs: list[IndicatorSpec], entries: dict[str, Entry], previous: dict[str, Entry]) -> str:
    """Completed when every question is answered and every value that fell sharply is explained
    (what submitting needs); Not started when nothing is given; otherwise In progress."""
    given = [s for s in specs if (entries.get(s.code) or Entry()).value is not None]
    touched = given or [s for s in specs if (entries.get(s.code) or Entry()).comment]
    if not touched:
        return NOT_STARTED
    if len(given) < len(specs):
        return IN_PROGRESS
    for s in specs:
        entry = entries[s.code]
        if calc.warning_for(s, entry.value, (previous.get(s.code) or Entry()).value) and not entry.comment:
            return IN_PROGRESS
    return COMPLETED


def _status_item(status: str) -> dict[str, Any]:
    # The NHS task list shows a finished task's status as plain text and the others as tags.
    if status == COMPLETED:
        return {"text": COMPLETED, "classes": "nhsuk-task-list__status--completed"}
    colour = "nhsuk-tag--blue" if status == IN_PROGRESS else "nhsuk-tag--grey"
    return {"tag": {"text": status, "classes": colour}}


def _answered(n: int, total: int) -> str:
    return f"{n} of {total} {'question' if total == 1 else 'questions'} answered"


def task_list(
    specs: list[IndicatorSpec], entries: dict[str, Entry], previous: dict[str, Entry], base_url: str
) -> dict[str, Any]:
    """The task list of a return: one task per section, then checking and submitting."""
    items = []
    done = 0
    for theme, items_specs in sections_of(specs):
        status = section_status(items_specs, entries, previous)
        done += status == COMPLETED
        answered = sum((entries.get(s.code) or Entry()).value is not None for s in items_specs)
        items.append(
            {
                "title": {"text": theme},
                "hint": _answered(answered, len(items_specs)),
                "href": f"{base_url}/sections/{section_slug(theme)}",
                "status": _status_item(status),
                "theme": theme,
                "state": status,
            }
        )
    all_done = done == len(items)
    check = {
        "title": {"text": "Check your answers and submit"},
        "href": f"{base_url}/check" if all_done else None,
        "status": {"tag": {"text": "Not started", "classes": "nhsuk-tag--grey"}}
        if all_done
        else {"text": "Cannot start yet", "classes": "nhsuk-task-list__status--cannot-start-yet"},
    }
    return {
        "sections": items,
        "check": check,
        "done": done,
        "total": len(items),
        "all_done": all_done,
        "sections_html": task_list_html("section", items),
        "check_html": task_list_html("submit", [check]),
    }


def task_list_html(id_prefix: str, items: list[dict[str, Any]]) -> Markup:
    """The NHS.UK task list's markup, as nhsuk-frontend-jinja's `taskList` writes it for these
    items (tests/returns/test_task_list_markup.py compares them), written here rather than by the
    macro or a template loop: each was a third of the return page's render."""
    out = ['<ul class="nhsuk-task-list">']
    for n, item in enumerate(items, start=1):
        hint_id, status_id = f"{id_prefix}-{n}-hint", f"{id_prefix}-{n}-status"
        href, hint, status = item.get("href"), item.get("hint"), item["status"]
        title = escape(item["title"]["text"])
        if href:
            described = f"{hint_id} {status_id}" if hint else status_id
            name = f'<a class="nhsuk-task-list__link nhsuk-link" href="{escape(href)}" aria-describedby="{described}">{title}</a>'
        else:
            name = f"<div>{title}</div>"
        hint_html = f'<div class="nhsuk-task-list__hint" id="{hint_id}">{escape(hint)}</div>' if hint else ""
        classes = f" {escape(status['classes'])}" if status.get("classes") else ""
        tag = status.get("tag")
        state = (
            f'<strong class="nhsuk-tag {escape(tag["classes"])}">{escape(tag["text"])}</strong>'
            if tag
            else escape(status.get("text", ""))
        )
        out.append(
            f'<li class="nhsuk-task-list__item{" nhsuk-task-list__item--with-link" if href else ""}">'
            f'<div class="nhsuk-task-list__name-and-hint">{name}{hint_html}</div>'
            f'<div class="nhsuk-task-list__status{classes}" id="{status_id}">{state}</div></li>'
        )
    out.append("</ul>")
    return Markup("\n".join(out))  # noqa: S704 (every text escaped above)


def summary_value(spec: IndicatorSpec, entry: Entry | None, feed: dict[str, Any] | None) -> dict[str, Any]:
    """One answer as check your answers and the read-only return show it: the value, its comment,
    and the national feed's value beside it."""
    return {
        "value": format_value(spec, entry),
        "comment": (entry or Entry()).comment,
        "feed": feed,
    }


def check_sections(
    specs: list[IndicatorSpec],
    entries: dict[str, Entry],
    previous: dict[str, Entry],
    feeds: dict[str, dict[str, Any]] | None,
    base_url: str | None,
) -> list[dict[str, Any]]:
    """The summary lists of a return, one per section; with `base_url`, each answer has a Change
    link to its field on its section page."""
    out = []
    for theme, items in sections_of(specs):
        slug = section_slug(theme)
        rows = []
        for s in items:
            rows.append(
                {
                    "code": s.code,
                    "name": s.name,
                    **summary_value(s, entries.get(s.code), (feeds or {}).get(s.code)),
                    "previous": format_value(s, previous.get(s.code)) if s.code in previous else "No return",
                    "change": f"{base_url}/sections/{slug}#{s.code}" if base_url else None,
                }
            )
        out.append({"theme": theme, "id": "summary-" + slug, "rows": rows})
    return out


def submit_error_links(specs: list[IndicatorSpec], errors: dict[str, str], base_url: str) -> list[dict[str, str]]:
    """The error summary of check your answers: each problem links to its field on its section page."""
    slug_of = {s.code: section_slug(s.theme) for s in specs}
    out = []
    for field_id, message in errors.items():
        code = field_id.split("-", 1)[0]
        href = f"{base_url}/sections/{slug_of[code]}#{field_id}" if code in slug_of else f"#{field_id}"
        out.append({"text": message, "href": href})
    return out
