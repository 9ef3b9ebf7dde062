"""Workbook files are written once for each content: the same figures are served from the kept
file, any change to them is a new file, a large book is written in a separate process to the very
same bytes, and people asking at once share one write."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.exports.seed import seed_world
from tests.exports.test_units import book
from tests.exports.test_workbook import national, summary_of
from tracker.exports import built, xlsx
from tracker.tables import Ccg


@pytest.fixture(autouse=True)
def nothing_kept() -> None:
    built.forget()


async def test_the_same_figures_are_served_from_the_kept_file_and_a_change_writes_a_new_one(clean_db: Any) -> None:
    await seed_world()
    written = built.counts.written
    _, first = await national()
    _, again = await national()
    assert again == first
    assert built.counts.written == written + 1  # the second download read the figures, and wrote nothing

    # A CCG renamed: the laid-out book differs, so the file is written again and shows the new name.
    await Ccg.update({Ccg.name: "NHS Renamed CCG"}).where(Ccg.code == "11J")
    _, changed = await national()
    assert changed != first and built.counts.written == written + 2
    ccgs = openpyxl.load_workbook(io.BytesIO(changed))["CCGs"].iter_rows(values_only=True)
    assert any("NHS Renamed CCG" in row for row in ccgs)
    assert summary_of(openpyxl.load_workbook(io.BytesIO(changed))) == summary_of(
        openpyxl.load_workbook(io.BytesIO(first))
    )


async def test_a_large_book_is_written_in_a_separate_process_to_the_same_bytes(monkeypatch: Any) -> None:
    monkeypatch.setattr(built, "SEPARATE_PROCESS_CELLS", 1)
    separate = await built.workbook(book())
    assert built._pool is not None  # the writer process was used
    assert separate == xlsx.write(book())


async def test_people_asking_for_the_same_book_at_once_share_one_write() -> None:
    written = built.counts.written
    one = dataclasses.replace(book(), title="Asked three times at once")
    results = await asyncio.gather(*(built.workbook(one) for _ in range(3)))
    assert len(set(results)) == 1
    assert built.counts.written == written + 1


def test_kept_files_are_bounded_by_size(monkeypatch: Any) -> None:
    monkeypatch.setattr(built, "KEEP_BYTES", 10)
    built._keep("a", b"12345")
    built._keep("b", b"67890")
    built._keep("c", b"abcde")
    assert list(built._kept) == ["b", "c"]
    built._keep("huge", b"x" * 11)
    assert "huge" not in built._kept


WRITER_THEN_GONE = """
import asyncio, os
from tests.exports.test_units import book
from tracker.exports import built

built.SEPARATE_PROCESS_CELLS = 1

async def main():
    await built.workbook(book())
    print(*built._pool._processes, flush=True)
    os._exit(0)  # gone without shutting anything down, as a killed web worker would be

asyncio.run(main())
"""


def test_the_writer_process_goes_when_its_web_process_goes() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", WRITER_THEN_GONE], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )
    writer = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{writer}").exists():
        time.sleep(0.2)
    assert not Path(f"/proc/{writer}").exists(), "the writer process outlived the process that started it"


async def test_a_writer_that_died_is_replaced_and_nothing_is_lost(monkeypatch: Any) -> None:
    monkeypatch.setattr(built, "SEPARATE_PROCESS_CELLS", 1)
    await built.workbook(book())
    assert built._pool is not None
    for pid in list(built._pool._processes):
        os.kill(pid, signal.SIGKILL)
    other = dataclasses.replace(book(), title="Written after the writer died")
    assert await built.workbook(other) == xlsx.write(other)
    again = dataclasses.replace(book(), title="And the next one in a new writer")
    assert await built.workbook(again) == xlsx.write(again)
    assert built._pool is not None and all(p.is_alive() for p in built._pool._processes.values())
