"""Progress for long commands, on standard error: a rich bar on a terminal, plain lines otherwise
(a log file or CI gets one line as each step starts and one as it ends, with the seconds)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class Progress:
    def __init__(self, title: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.title = title
        self.total = total
        self.stream = stream or sys.stderr
        self.fancy = self.stream.isatty()
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.fancy:
            from rich.console import Console
            from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}" if self.total else ""),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=self.total)
        else:
            self._line(f"{self.title}: started")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.title}: done")
            self._bar.stop()
        else:
            self._line(f"{self.title}: {'failed' if exc[0] else 'done'}")

    def _line(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:6.1f} s] {text}", file=self.stream, flush=True)

    def start(self, step: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.title}: {step}")
        else:
            self._line(f"{step} ...")

    def finish(self, step: str, seconds: float) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)
        else:
            self._line(f"{step}: {seconds:.1f} s")

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        self.start(name)
        yield
        self.finish(name, time.perf_counter() - began)


@contextmanager
def activity(title: str, stream: TextIO | None = None) -> Iterator[None]:
    """One long step with no parts to count (a workbook, a refresh): a spinner, or two lines."""
    out = stream or sys.stderr
    began = time.perf_counter()
    if out.isatty():
        from rich.console import Console

        with Console(file=out).status(f"{title} ..."):
            yield
        return
    print(f"{title} ...", file=out, flush=True)
    yield
    print(f"{title}: done in {time.perf_counter() - began:.1f} s", file=out, flush=True)
