"""Dashboard tables that render through the NHS.UK table macro and download as CSV. Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from tracker.maturity import calculations as calc

STATUS_LABELS = {calc.ON_TRACK: "On track", calc.AT_RISK: "At risk", calc.OFF_TRACK: "Off track", "": "Not scored"}
STATUS_TAGS = {
    calc.ON_TRACK: "nhsuk-tag--green",
    calc.AT_RISK: "nhsuk-tag--yellow",
    calc.OFF_TRACK: "nhsuk-tag--red",
    "": "nhsuk-tag--grey",
}


def status_tag(status: str) -> str:
    """An NHS tag whose words carry the status (the colour only repeats it)."""
    return f'<strong class="nhsuk-tag {STATUS_TAGS.get(status, "nhsuk-tag--grey")}">{STATUS_LABELS.get(status, status)}</strong>'


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    sortable: bool = False


@dataclass
class TableView:
    """One table: the macro's head and rows, and the same figures as plain CSV values."""

    name: str  # the ?table= of its CSV download
    caption: str
    columns: Sequence[Column]
    rows: list[list[dict[str, Any]]] = field(default_factory=list)
    csv_rows: list[list[Any]] = field(default_factory=list)
    csv_href: str = ""
    empty: str = "Nothing to show."
    csv_columns: Sequence[str] | None = None  # the CSV's own headings, when its columns differ from the page's

    def add(self, cells: Sequence[tuple[str, Any] | str], values: Sequence[Any]) -> None:
        """cells: text, or (kind, content) with kind "html" for markup built from escaped parts."""
        row = []
        for column, cell in zip(self.columns, cells, strict=True):
            kind, content = cell if isinstance(cell, tuple) else ("text", cell)
            item: dict[str, Any] = {kind: content}
            if column.numeric:
                item["format"] = "numeric"
            row.append(item)
        self.rows.append(row)
        self.csv_rows.append(list(values))

    def head(self, sort_href: Any = None, sort: str = "", direction: str = "") -> list[dict[str, Any]]:
        out = []
        for c in self.columns:
            item: dict[str, Any] = {"text": c.label}
            if c.sortable and sort_href is not None:
                new_dir = "desc" if sort == c.key and direction == "asc" else "asc"
                arrow = " (sorted, lowest first)" if sort == c.key and direction == "asc" else ""
                arrow = " (sorted, highest first)" if sort == c.key and direction == "desc" else arrow
                item = {"html": link(sort_href(c.key, new_dir), c.label + arrow)}
            if c.numeric:
                item["format"] = "numeric"
            out.append(item)
        return out

    def body_html(self) -> Markup:
        """The rows as the NHS.UK table markup: what a Jinja loop wrote, at a fraction of its cost
        (a practices table has hundreds of cells)."""
        return rows_html(self.rows)

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(list(self.csv_columns) if self.csv_columns is not None else [c.label for c in self.columns])
        for row in self.csv_rows:
            writer.writerow([_csv_safe(v) for v in row])
        return buffer.getvalue()


def _cell_html(cell: dict[str, Any], first: bool) -> str:
    tag, kind = ("th", "header") if first else ("td", "cell")
    numeric = f" nhsuk-table__{kind}--numeric" if cell.get("format") == "numeric" else ""
    scope = ' scope="row"' if first else ""
    # As Jinja wrote it: html as it is (built from escaped parts), text escaped.
    content = cell["html"] if cell.get("html") else escape(cell.get("text", ""))
    return f'<{tag}{scope} class="nhsuk-table__{kind}{numeric}">{content}</{tag}>'


def rows_html(rows: Sequence[Sequence[dict[str, Any]]]) -> Markup:
    """Table rows in the NHS.UK markup, the first cell of each a row header."""
    out = []
    for row in rows:
        cells = "".join(_cell_html(c, i == 0) for i, c in enumerate(row))
        out.append(f'<tr class="nhsuk-table__row">{cells}</tr>')
    return Markup("\n".join(out))  # noqa: S704 (text escaped above; html cells are built from escaped parts)


def _csv_safe(value: Any) -> Any:
    """Spreadsheets run cells starting with = + - @ as formulas: quote text that does."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def query(path: str, **params: Any) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean) if clean else "")
