"""The emails' words: subject, plain-text and HTML parts, built from plain values. Pure.

Every piece of text that came from the database is escaped in the HTML part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from tracker.notifications.calculations import reminder_subject
from tracker.web.formatting import long_date, number, percent, pounds, score

SIGN_OFF = "The Paperless Tracker\nNHS England digital maturity programme"
NOT_ATTACHED = "The workbook could not be attached to this email: download it from the tracker instead ({link})."


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    links: tuple[str, ...] = field(default=())


def _html(title: str, blocks: list[str]) -> str:
    body = "\n".join(blocks)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family: Arial, sans-serif; font-size: 16px; color: #212b32; line-height: 1.5;">'
        f"{body}"
        '<p style="color: #4c6272;">The Paperless Tracker<br>NHS England digital maturity programme</p>'
        "</body></html>"
    )


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _link(href: str, text: str) -> str:
    return f'<p><a href="{escape(href)}" style="color: #005eb8;">{escape(text)}</a></p>'


def _list(items: list[str]) -> str:
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f'<th style="text-align: left; padding: 4px 8px;">{escape(h)}</th>' for h in head)
    trs = "".join(
        "<tr>"
        + "".join(f'<td style="padding: 4px 8px; border-top: 1px solid #d8dde0;">{escape(c)}</td>' for c in r)
        + "</tr>"
        for r in rows
    )
    return f'<table style="border-collapse: collapse;"><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>'


def _text_list(items: list[str]) -> str:
    return "\n".join(f"- {i}" for i in items)


# --- Practice reminders ----------------------------------------------------------------------


def reminder(
    *,
    ods_code: str,
    practice_name: str,
    period_label: str,
    due_on: Any,
    days_left: int,
    state: str | None,
    missing: list[str],
    link: str,
) -> Email:
    """A reminder to a practice whose return is not in, saying what is missing."""
    subject = reminder_subject(days_left, period_label, ods_code, practice_name)
    if days_left > 0:
        when = f"is due on {long_date(due_on)}, in {days_left} day{'s' if days_left != 1 else ''}"
    elif days_left == 0:
        when = "is due today"
    else:
        when = f"was due on {long_date(due_on)} and is {-days_left} day{'s' if days_left != -1 else ''} overdue"
    opening = f"The {period_label} digital maturity return for {ods_code} {practice_name} {when}."
    if state is None:
        status = "You have not started this return yet."
    elif state == "returned":
        status = "Your CCG returned this return for changes: make them and submit it again."
    else:
        status = "You have started this return but have not submitted it."
    if missing:
        gap = f"Still to answer ({len(missing)}):"
    elif state is None:
        gap = "Every indicator is still to answer."
    else:
        gap = "Every indicator has an answer: check them and submit the return."
    text = "\n\n".join(
        p
        for p in (
            opening,
            status,
            gap + ("\n" + _text_list(missing) if missing else ""),
            f"Open the return: {link}",
            "You are receiving this because you submit returns for this practice. Reminders stop as soon as the"
            " return is submitted.",
            SIGN_OFF,
        )
        if p
    )
    html = _html(
        subject,
        [
            _p(opening),
            _p(status),
            _p(gap),
            _list(missing),
            _link(link, f"Open the {period_label} return"),
            _p(
                "You are receiving this because you submit returns for this practice. Reminders stop as soon as"
                " the return is submitted."
            ),
        ],
    )
    return Email(subject, text, html, (link,))


# --- Reports ------------------------------------------------------------------------------------


def _figures(f: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        (f"Returns in for {f['period_label']}", f"{number(f['returns_in'])} of {number(f['expected'])}"),
        ("Completeness", percent(f["completeness"])),
    ]
    if f.get("timeliness_label"):
        rows.append((f"On time for {f['timeliness_label']}", percent(f["timeliness"])))
    rows.append(("Returns awaiting review", number(f["awaiting_review"])))
    return rows


def ccg_report(data: dict[str, Any], *, link: str, attachment_note: str = "") -> Email:
    """The CCG's weekly status report (with the escalation: overdue and unreachable practices)."""
    f = data["figures"]
    subject = f"Weekly status report: {data['name']} ({data['code']}), {f['period_label']}"
    overdue = [
        f"{p['ods_code']} {p['name']} ({p['period_label']}, {p['days_overdue']} days overdue)" for p in data["overdue"]
    ]
    unreachable = [f"{p['ods_code']} {p['name']}: {p['error']}" for p in data["unreachable"]]
    off_track = [f"{p['ods_code']} {p['name']} (maturity {score(p['maturity'])} out of 100)" for p in data["off_track"]]
    figures = _figures(f)
    text_parts = [
        f"Status of returns for {data['name']} ({data['code']}) as at {long_date(data['as_at'])}.",
        "\n".join(f"{k}: {v}" for k, v in figures),
        f"Overdue practices ({len(overdue)}):\n" + (_text_list(overdue) if overdue else "none"),
        f"Unreachable practices ({len(unreachable)}): emails to these could not be delivered\n"
        + (_text_list(unreachable) if unreachable else "none"),
        f"Practices off track ({len(off_track)}){' as at ' + data['scores_label'] if data.get('scores_label') else ''}:\n"
        + (_text_list(off_track) if off_track else "none"),
        data["funding_text"],
        attachment_note,
        f"Review returns and see the dashboard: {link}",
        SIGN_OFF,
    ]
    html = _html(
        subject,
        [
            _p(text_parts[0]),
            _table(["Measure", "Figure"], [[k, v] for k, v in figures]),
            f"<h2>Overdue practices ({len(overdue)})</h2>",
            _list(overdue) or _p("No practices."),
            f"<h2>Unreachable practices ({len(unreachable)})</h2>",
            _p("Emails to these practices could not be delivered: check their contact details.") if unreachable else "",
            _list(unreachable) or _p("No practices."),
            f"<h2>Practices off track ({len(off_track)})</h2>",
            _list(off_track) or _p("No practices."),
            "<h2>Funding</h2>",
            _p(data["funding_text"]),
            _p(attachment_note) if attachment_note else "",
            _link(link, "Open the CCG in the tracker"),
        ],
    )
    return Email(subject, "\n\n".join(p for p in text_parts if p), html, (link,))


def region_summary(data: dict[str, Any], *, link: str) -> Email:
    f = data["figures"]
    subject = f"Weekly regional summary: {data['name']} ({data['code']}), {f['period_label']}"
    ccg_rows = [
        [c["code"], c["name"], f"{c['returns_in']} of {c['expected']}", percent(c["completeness"])]
        for c in data["ccgs"]
    ]
    escalated = [
        f"{p['ods_code']} {p['name']}, CCG {p['ccg_code']} ({p['period_label']}, {p['days_overdue']} days overdue)"
        for p in data["escalated"]
    ]
    figures = _figures(f)
    text = "\n\n".join(
        [
            f"Status of returns in {data['name']} ({data['code']}) as at {long_date(data['as_at'])}.",
            "\n".join(f"{k}: {v}" for k, v in figures),
            "By CCG:\n" + "\n".join(f"{r[0]} {r[1]}: {r[2]} ({r[3]})" for r in ccg_rows),
            f"Practices overdue for 4 weeks or more ({len(escalated)}):\n"
            + (_text_list(escalated) if escalated else "none"),
            f"Open the region in the tracker: {link}",
            SIGN_OFF,
        ]
    )
    html = _html(
        subject,
        [
            _p(f"Status of returns in {data['name']} ({data['code']}) as at {long_date(data['as_at'])}."),
            _table(["Measure", "Figure"], [[k, v] for k, v in figures]),
            f"<h2>Practices overdue for 4 weeks or more ({len(escalated)})</h2>",
            _list(escalated) or _p("No practices."),
            "<h2>By CCG</h2>",
            _table(["CCG", "Name", "Returns in", "Completeness"], ccg_rows),
            _link(link, "Open the region in the tracker"),
        ],
    )
    return Email(subject, text, html, (link,))


def national_summary(data: dict[str, Any], *, link: str, attachment_note: str = "") -> Email:
    f = data["figures"]
    subject = f"Monthly national summary: England, {f['period_label']}"
    rows = [
        [
            r["code"],
            r["name"],
            f"{number(r['returns_in'])} of {number(r['expected'])}",
            percent(r["completeness"]),
            number(r["escalated"]),
        ]
        for r in data["regions"]
    ]
    figures = _figures(f)
    text = "\n\n".join(
        p
        for p in [
            f"Status of returns in England as at {long_date(data['as_at'])}.",
            "\n".join(f"{k}: {v}" for k, v in figures),
            "By region (returns in, completeness, practices overdue 4 weeks or more):\n"
            + "\n".join(f"{r[0]} {r[1]}: {r[2]} ({r[3]}), {r[4]}" for r in rows),
            attachment_note,
            f"Open the national dashboard: {link}",
            SIGN_OFF,
        ]
        if p
    )
    html = _html(
        subject,
        [
            _p(f"Status of returns in England as at {long_date(data['as_at'])}."),
            _table(["Measure", "Figure"], [[k, v] for k, v in figures]),
            "<h2>By region</h2>",
            _table(["Region", "Name", "Returns in", "Completeness", "Overdue 4 weeks or more"], rows),
            _p(attachment_note) if attachment_note else "",
            _link(link, "Open the national dashboard"),
        ],
    )
    return Email(subject, text, html, (link,))


def funding_text(rows: list[dict[str, Any]], financial_year: str) -> str:
    """One line about the CCG's latest forecast outturn, or why there is none."""
    if not rows:
        return f"No funding forecast has been entered for {financial_year}."
    total = sum(int(r["outturn_pence"]) for r in rows)
    latest = max(int(r["quarter"]) for r in rows)
    return f"Forecast outturn for {financial_year}: {pounds(total)} across {len(rows)} stream(s), latest entered at Q{latest}."


def safe(html: str) -> Markup:
    """Our own generated HTML (every value in it escaped), for showing on the Sent emails page."""
    return Markup(html)  # noqa: S704 (built above from escaped values only)
