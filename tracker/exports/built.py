"""Workbook files, written once for each content and kept.

Writing a workbook (styles, tables, charts, zipping) is most of a download's time: about 1.9 s of
2.4 s for England's. The file is a pure function of its laid-out `Book` (fixed zip dates, no
clock), so the bytes are kept by a digest of the book itself. A repeat download with unchanged data
never gets here (kept.py serves it by its request and data token, before any figure is read); this
is for a download after a change that leaves this book as it was (another period's returns, say):
its figures are read and laid out again, and the written bytes reused. A change to any figure, name
or date shown gives another book, another digest and a new file.

Large books are written in a separate process, so that the interpreter lock is not held for a
second or more while other people's pages wait; people asking for the same book at the same time
share one write.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from tracker.exports import xlsx
from tracker.exports.layout import Book
from tracker.sharing import InFlight
from tracker.sized_cache import SizedCache

T = TypeVar("T")

# Per process: England's workbook is about 1.5 MB, a region's a few hundred KB, a CCG's less.
KEEP_BYTES = 64 * 1024 * 1024
# Below this many cells a book is written in a thread: starting the writer process, and sending
# the book to it, would cost more than the write.
SEPARATE_PROCESS_CELLS = 50_000


@dataclass
class Counts:
    written: int = 0
    served_kept: int = 0


counts = Counts()
_kept: SizedCache[bytes] = SizedCache(len)
_writing: InFlight[bytes] = InFlight()
_pool: ProcessPoolExecutor | None = None


def digest(book: Book) -> str:
    return hashlib.sha256(pickle.dumps(book, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def cells(book: Book) -> int:
    return sum(len(s.columns) * (len(s.rows) + 1) for s in book.sheets)


def _keep(key: str, content: bytes) -> None:
    _kept.put(key, content, KEEP_BYTES)


def forget() -> None:
    """Drop every kept file (tests; an operator never needs to: kept files cannot go stale)."""
    _kept.clear()


def _leave_with_parent(parent: int) -> None:
    """In the writer process: exit when the web process that started it has gone, however it went
    (a killed worker would otherwise leave its writer behind)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()


def _writer() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # "spawn": a fork of a process running an event loop and database threads is not safe.
        _pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_leave_with_parent,
            initargs=(os.getpid(),),
        )
    return _pool


def close() -> None:
    """Stop the writer process (the web process is shutting down)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


async def _write(book: Book) -> bytes:
    if cells(book) >= SEPARATE_PROCESS_CELLS and (content := await in_writer(xlsx.write, book)) is not None:
        return content
    return await asyncio.to_thread(xlsx.write, book)  # small, or the writer died with this book


def write_here(book: Book) -> tuple[bytes, bool]:
    """In the writer process: the file of `book` (kept bytes when this content was written before),
    and whether it was written now."""
    key = digest(book)
    if (found := _kept.get(key)) is not None:
        return found, False
    content = xlsx.write(book)
    _keep(key, content)
    return content, True


async def in_writer(work: Callable[..., T], *args: Any) -> T | None:
    """`work(*args)` in the writer process; None if the writer died meanwhile (killed, out of
    memory), for the caller to do the work itself (the next call starts a new writer)."""
    try:
        return await asyncio.get_running_loop().run_in_executor(_writer(), work, *args)
    except BrokenProcessPool:
        close()
        return None


async def workbook(book: Book) -> bytes:
    """The workbook file of `book`: kept bytes when this content was written before."""
    key = digest(book)
    if (found := _kept.get(key)) is not None:
        counts.served_kept += 1
        return found
    return await _writing.shared(key, lambda: _write_and_keep(key, book))


async def _write_and_keep(key: str, book: Book) -> bytes:
    content = await _write(book)
    counts.written += 1
    _keep(key, content)
    return content
