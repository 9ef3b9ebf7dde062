"""Export files kept by what they depend on, known before any figure is read.

The key is the request (which file, scope, code, period asked for, the day it is asked on: the
default period and "provisional" depend on it), the data token (tracker.changes: it moves on with
every committed change to the data exports show, from any writer) and the code's own version. A
download whose key was built before is one small query and the bytes; otherwise the file is built
once, even when several people (or web workers) ask at once, and kept.

Kept in this process's memory, and as files in one folder (`use()`: DATA_DIR/exports) shared by
every web worker: written under a temporary name and renamed, so a reader sees a whole file or
none. Access is the caller's business: routes check the user may see the scope before asking here.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import hashlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from tracker.sharing import InFlight
from tracker.sized_cache import SizedCache

Built = tuple[str, bytes]  # (filename, content)

# Per process: England's workbook is about 1.5 MB, a region's a few hundred KB, a CCG's less.
MEMORY_BYTES = 64 * 1024 * 1024
# In the shared folder; the oldest files go first when it grows past this.
FOLDER_BYTES = 512 * 1024 * 1024
# How often someone waiting for another worker's build looks again.
WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class Asked:
    """What was asked for, before any figure is read."""

    kind: str  # "xlsx", or "csv:<table>"
    scope: str
    code: str
    period: str  # as asked; "" for the default period
    day: str  # the day asked on (ISO)


@dataclass
class Counts:
    built: int = 0
    from_memory: int = 0
    from_folder: int = 0


counts = Counts()
_memory: SizedCache[Built] = SizedCache(lambda built: len(built[1]))
_folder: Path | None = None
_building: InFlight[Built] = InFlight()


def folder_in(data_dir: Path) -> Path:
    """The folder a deployment keeps its files in, under its data directory."""
    return data_dir / "exports"


def use(folder: Path | None) -> None:
    """Keep files in `folder` too (shared by every process given the same one); None: memory only."""
    global _folder
    _folder = folder


@functools.cache
def code_version() -> str:
    """The tracker's own source and openpyxl's version: a new release lays files out anew, and
    must not be served a file kept by the one before."""
    digest = hashlib.sha256(openpyxl.__version__.encode())
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(asked: Asked, token: str) -> str:
    parts = (asked.kind, asked.scope, asked.code, asked.period, asked.day, token, code_version())
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def forget() -> None:
    """Drop every kept file: tests, and a database restored from a backup (its data may be older
    than files kept since, under the very token they were kept with)."""
    _memory.clear()
    if _folder is not None and _folder.is_dir():
        for path in _folder.iterdir():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


async def kept(key_: str, build: Callable[[], Awaitable[Built]]) -> Built:
    """The file kept under `key_`, else `build()`'s, kept."""
    if (found := _memory.get(key_)) is not None:
        counts.from_memory += 1
        return found
    if _folder is not None and (found := await asyncio.to_thread(_read, _folder, key_)) is not None:
        counts.from_folder += 1
        _remember(key_, found)
        return found
    return await _building.shared(key_, lambda: _build(key_, build))


async def _build(key_: str, build: Callable[[], Awaitable[Built]]) -> Built:
    folder = _folder
    if folder is None:
        result = await build()
        counts.built += 1
        _remember(key_, result)
        return result
    folder.mkdir(parents=True, exist_ok=True)
    # One build per key across processes: whoever holds the key's lock builds; the others wait
    # (on the event loop, not in a thread) and read the file it leaves.
    lock = os.open(folder / f"{key_}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        await _take(lock)
        if (found := await asyncio.to_thread(_read, folder, key_)) is not None:
            counts.from_folder += 1
        else:
            found = await build()
            counts.built += 1
            await asyncio.to_thread(_write, folder, key_, found)
    finally:
        os.close(lock)  # lets go of the lock too
    _remember(key_, found)
    return found


async def _take(fd: int) -> None:
    """Hold the lock of `fd`, waiting as long as another process holds it (the kernel lets go of
    a lock whose process has gone, however it went)."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            await asyncio.sleep(WAIT_SECONDS)


def _remember(key_: str, built: Built) -> None:
    _memory.put(key_, built, MEMORY_BYTES)


def _read(folder: Path, key_: str) -> Built | None:
    try:
        raw = (folder / f"{key_}.kept").read_bytes()
    except FileNotFoundError:
        return None
    name, _, content = raw.partition(b"\n")
    return name.decode(), content


def _write(folder: Path, key_: str, built: Built) -> None:
    name, content = built
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{key_}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(name.encode() + b"\n")
            out.write(content)
        os.replace(temporary, folder / f"{key_}.kept")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _trim(folder)


def _trim(folder: Path) -> None:
    """Keep the folder under FOLDER_BYTES: the files built longest ago go (with their locks)."""
    files = []
    for path in folder.glob("*.kept"):
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= FOLDER_BYTES:
            break
        for gone in (path, path.with_suffix(".lock")):
            with contextlib.suppress(FileNotFoundError):
                gone.unlink()
        total -= size
