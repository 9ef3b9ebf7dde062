"""The national, region and CCG workbooks of a small known world print and filter: re-opened with
openpyxl for their page set-up, tables and charts, then printed to PDF by LibreOffice and read back
page by page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import empty_all_tables
from tests.exports.seed import PERIOD, seed_world
from tracker.exports import service

TODAY = dt.date(2018, 4, 20)
WORKBOOKS = (("national", None), ("region", "Y63"), ("ccg", "11J"))
# A one-word heading of each sheet's identifying columns, printed on every page of the sheet (with
# the header row and the identifying columns repeated).
HEADING = {
    "About": "Section",
    "Summary": "Measure",
    "Regions": "Region",
    "CCGs": "CCG",
    "Practices": "Practice",
    "Trend": "Period",
    "Indicators": "Indicator",
    "Funding": "Record",
}
A4_LANDSCAPE = (841.89, 595.28)  # points


@pytest.fixture(scope="module")
async def workbooks(database: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Path]]:
    """Each workbook once, written to a file: {scope: path}."""
    out = tmp_path_factory.mktemp("workbooks")
    await empty_all_tables()
    try:
        await seed_world()
        files = {}
        for scope, code in WORKBOOKS:
            name, content = await service.workbook_bytes(scope, code, PERIOD, today=TODAY)
            files[scope] = out / name
            files[scope].write_bytes(content)
        yield files
    finally:
        await empty_all_tables()


@pytest.fixture(scope="module")
def pdfs(workbooks: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each workbook printed to PDF by LibreOffice (one run for all three): {scope: [each page's text]}."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: .ci/run installs libreoffice-calc-nogui")
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("pdfinfo/pdftotext (poppler-utils) are not installed: .ci/run installs poppler-utils")
    out = tmp_path_factory.mktemp("pdf")
    profile = tmp_path_factory.mktemp("soffice-profile")  # its own, so runs side by side do not clash
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *(str(p) for p in workbooks.values()),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pages: dict[str, list[str]] = {}
    for scope, path in workbooks.items():
        pdf = out / path.with_suffix(".pdf").name
        info = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True
        )
        sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
        assert sizes, info.stdout
        for width, height in sizes:
            assert (float(width), float(height)) == pytest.approx(A4_LANDSCAPE, abs=1), (scope, width, height)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
        pages[scope] = [p for p in text.stdout.split("\f") if p.strip()]
        assert len(pages[scope]) == len(sizes)
    return pages


def sheet_of(page: str, names: list[str]) -> str:
    """The sheet a printed page belongs to: its name ends the page's header line."""
    header = next(line for line in page.splitlines() if line.strip()).rstrip()
    found = [n for n in names if header.endswith(n)]
    assert found, header
    return max(found, key=len)


def test_every_sheet_is_set_up_to_print_on_a4_landscape(workbooks: dict[str, Path]) -> None:
    for scope, path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            where = (scope, ws.title)
            setup = ws.page_setup
            assert setup.orientation == "landscape", where
            assert setup.paperSize == 9, where  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert setup.fitToHeight == 0, where  # as many pages down as the rows need
            assert setup.fitToWidth is not None and setup.fitToWidth >= 1, where
            assert ws.page_margins.left <= 0.5 and ws.page_margins.top <= 1, where
            assert ws.oddHeader.right.text == "&A" and ws.oddHeader.left.text == wb.properties.title, where
            assert ws.oddFooter.right.text == "Page &P of &N", where
            # Header rows on every page; where columns stay in view when scrolling, on every page too.
            header_row = 3 if ws.title == "Summary" else 1
            assert ws.print_title_rows == f"$1:${header_row}", where
            if ws.title in ("Regions", "CCGs", "Practices", "Indicators"):
                assert ws.print_title_cols == "$A:$B", where
        # The narrow sheets (and the Summary, with its charts) print one page wide; the wide
        # ones over a few pages, not shrunk past reading.
        for name in ("About", "Summary", "Trend"):
            assert wb[name].page_setup.fitToWidth == 1, (scope, name)
        assert wb["Practices"].page_setup.fitToWidth > 1


def test_every_table_has_a_filter_and_nothing_stops_sorting(workbooks: dict[str, Path]) -> None:
    for scope, path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            where = (scope, ws.title)
            assert ws.tables, where
            for table in ws.tables.values():
                assert table.autoFilter is not None and table.autoFilter.ref == table.ref, where
            if ws.protection.sheet:
                # False allows: people may sort and filter a protected sheet.
                assert ws.protection.sort is False and ws.protection.autoFilter is False, where


def chart_titles(ws: Any) -> list[str]:
    return ["".join(run.t for p in c.title.tx.rich.p for run in p.r or []) for c in ws._charts]


def summary_texts(ws: Any) -> list[str]:
    return [str(r[0]) for r in ws.iter_rows(min_col=1, max_col=1, values_only=True) if r[0]]


def test_charts_have_titles_in_words_and_none_has_one_bar(workbooks: dict[str, Path]) -> None:
    national = openpyxl.load_workbook(workbooks["national"])["Summary"]
    # Two regions: charts by region. One period so far: its figures as small tables, not a chart.
    assert chart_titles(national) == ["Completeness and timeliness by region", "Mean maturity by region"]
    assert "England: completeness and timeliness by period" in summary_texts(national)
    for scope in ("region", "ccg"):
        summary = openpyxl.load_workbook(workbooks[scope])["Summary"]
        # A single CCG: no chart of one bar, its figures in a small table with its own filter.
        assert chart_titles(summary) == [], scope
        texts = summary_texts(summary)
        assert "Completeness and timeliness by CCG" in texts, scope
        assert "Mean maturity by CCG" in texts, scope
        refs = [t.ref for t in summary.tables.values()]
        assert len(refs) == 5, (scope, refs)  # the Summary's own and four small tables
    ccg = openpyxl.load_workbook(workbooks["ccg"])["Summary"]
    rows = list(ccg.iter_rows(values_only=True))
    at = [r[0] for r in rows].index("Completeness and timeliness by CCG")
    assert rows[at + 1][:3] == ("CCG", "Completeness (%)", "Timeliness (%)")
    assert rows[at + 2][0] == "NHS Dorset CCG"


def test_the_pdf_is_a4_landscape_and_every_sheet_prints_with_its_headings(
    workbooks: dict[str, Path], pdfs: dict[str, list[str]]
) -> None:
    for scope, path in workbooks.items():
        by_sheet = by_sheet_of(pdfs[scope], path)
        assert list(by_sheet) == openpyxl.load_workbook(path, read_only=True).sheetnames, scope  # all, in order
        for name, pages in by_sheet.items():
            for n, page in enumerate(pages, start=1):
                # The header row is repeated on every page of the sheet.
                assert HEADING[name] in page, (scope, name, n)
                assert re.search(r"Page \d+ of \d+", page), (scope, name, n)
        # The identifying columns are repeated on each page of a wide sheet.
        practices = by_sheet["Practices"]
        assert len(practices) > 1
        first = "A81001" if scope != "ccg" else "J81001"
        assert all(first in page for page in practices), scope
        # Long text prints whole (wrapped), not cut at the column's edge.
        about = " ".join(" ".join(by_sheet["About"]).split())
        assert "the same data always gives the same file)" in about
    national = by_sheet_of(pdfs["national"], workbooks["national"])
    assert "Completeness and timeliness by region" in "".join(national["Summary"])


def by_sheet_of(pages: list[str], path: Path) -> dict[str, list[str]]:
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    out: dict[str, list[str]] = {}
    for page in pages:
        out.setdefault(sheet_of(page, names), []).append(page)
    return out
