"""Workbooks and CSVs are kept by what they depend on, known before any figure is read: the same
data is the kept file without reading a figure; a change to anything the workbook shows, from any
writer, is a new file equal to one built from scratch."""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import io
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.exports.seed import PERIOD, seed_world
from tests.exports.test_workbook import TODAY, national
from tracker import db
from tracker.exports import built, kept, service
from tracker.tables import (
    Ccg,
    Indicator,
    Period,
    PracticeAward,
    PracticeMembership,
    PracticeReturn,
    PracticeScore,
    ReturnValue,
)


@pytest.fixture(autouse=True)
def nothing_kept(tmp_path: Path) -> Any:
    before = kept._folder
    kept.use(kept.folder_in(tmp_path))
    kept.forget()
    built.forget()
    yield
    kept.use(before)


async def fresh() -> bytes:
    """The national workbook built from scratch, nothing kept."""
    kept.forget()
    built.forget()
    return (await national())[1]


def no_gathering(monkeypatch: Any) -> None:
    async def refused(*args: Any) -> Any:
        raise AssertionError("the figures were read again")

    monkeypatch.setattr(service, "gather", refused)
    monkeypatch.setattr(built, "in_writer", refused)  # England's and a region's are read there


async def test_the_same_data_is_the_kept_file_without_reading_a_figure(clean_db: Any, monkeypatch: Any) -> None:
    await seed_world()
    first = await national()
    builds = kept.counts.built
    with monkeypatch.context() as m:
        no_gathering(m)
        assert await national() == first
        kept._memory.clear()  # another web worker: it finds the file the first one left
        assert await national() == first
    assert kept.counts.built == builds


async def _value(world: dict[str, Any]) -> None:
    await ReturnValue.update({ReturnValue.value: 55.0}).where(ReturnValue.indicator == world["ids"]["ERS_UTIL_PCT"])


async def _approval(world: dict[str, Any]) -> None:
    await PracticeReturn.update({PracticeReturn.state: "returned"}).where(
        PracticeReturn.practice == world["practices"][0]["id"]
    )


async def _ccg_name(world: dict[str, Any]) -> None:
    await Ccg.update({Ccg.name: "NHS Renamed CCG"}).where(Ccg.code == "11J")


async def _membership(world: dict[str, Any]) -> None:
    moved = PracticeMembership(
        practice=world["practices"][0]["id"], ccg=world["ccgs"][1]["id"], start_date=dt.date(2017, 1, 1)
    )
    await PracticeMembership.insert(moved)


async def _funding(world: dict[str, Any]) -> None:
    await PracticeAward.update({PracticeAward.amount_pence: 7_500_00}).where(PracticeAward.id > 0)


async def _catalogue(world: dict[str, Any]) -> None:
    await Indicator.update({Indicator.weight: 3.0, Indicator.name: "Renamed"}).where(
        Indicator.id == world["ids"]["ERS_UTIL_PCT"]
    )


async def _period(world: dict[str, Any]) -> None:
    await Period.update({Period.locks_on: TODAY + dt.timedelta(days=30)}).where(Period.code == PERIOD)


async def _population(world: dict[str, Any]) -> None:
    await PracticeScore.update({PracticeScore.patients: 9999}).where(
        PracticeScore.practice == world["practices"][0]["id"]
    )


async def _another_connection(world: dict[str, Any]) -> None:
    """A writer outside this process's engine (a command, another worker, the scheduler)."""
    sql = "UPDATE ccg SET name = 'NHS Elsewhere CCG' WHERE code = '00K'"
    engine = db.engine()
    if db.is_sqlite():
        import sqlite3

        def write() -> None:
            with sqlite3.connect(engine.path) as conn:  # type: ignore[attr-defined]
                conn.execute(sql)

        await asyncio.to_thread(write)
    else:
        import asyncpg

        conn = await asyncpg.connect(engine.config["dsn"])  # type: ignore[attr-defined]
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


CHANGES: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
    "return value": _value,
    "approval": _approval,
    "organisation": _ccg_name,
    "membership": _membership,
    "funding": _funding,
    "catalogue": _catalogue,
    "period": _period,
    "population": _population,
    "another connection": _another_connection,
}
# Changes the workbook visibly shows (the others may or may not change its bytes).
VISIBLE = {"return value", "approval", "organisation", "funding", "period", "population", "another connection"}


@pytest.mark.parametrize("kind", list(CHANGES))
async def test_a_change_to_what_the_workbook_shows_is_a_new_workbook(clean_db: Any, kind: str) -> None:
    world = await seed_world()
    _, first = await national()
    builds = kept.counts.built
    await CHANGES[kind](world)
    _, after = await national()
    assert kept.counts.built == builds + 1, "the kept workbook was served after a change"
    if kind in VISIBLE:
        assert after != first
    assert after == await fresh()


async def test_a_change_committed_while_the_figures_are_read_is_never_served_stale(
    clean_db: Any, monkeypatch: Any
) -> None:
    """The token is read before the figures: a change that commits after that (here, just after
    the writer process read them and wrote the file) leaves the file kept under a token no later
    download reads."""
    await seed_world()
    in_writer = built.in_writer

    async def built_then_change(*args: Any) -> Any:
        made = await in_writer(*args)
        await Ccg.update({Ccg.name: "NHS Renamed CCG"}).where(Ccg.code == "11J")
        return made

    monkeypatch.setattr(built, "in_writer", built_then_change)
    _, during = await national()
    monkeypatch.setattr(built, "in_writer", in_writer)
    _, after = await national()
    ccgs = [row for row in openpyxl.load_workbook(io.BytesIO(after))["CCGs"].iter_rows(values_only=True)]
    assert any("NHS Renamed CCG" in row for row in ccgs)
    assert after != during and after == await fresh()


async def test_csvs_are_kept_by_table(clean_db: Any, monkeypatch: Any) -> None:
    await seed_world()
    national_scope = await service.target("national", None)
    practices = await service.csv_bytes(national_scope, "practices", None, TODAY)
    ccgs = await service.csv_bytes(national_scope, "ccgs", None, TODAY)
    assert practices != ccgs
    with monkeypatch.context() as m:
        no_gathering(m)
        assert await service.csv_bytes(national_scope, "practices", None, TODAY) == practices
    await _ccg_name({})
    assert b"NHS Renamed CCG" in (await service.csv_bytes(national_scope, "ccgs", None, TODAY))[1]


async def test_another_day_or_period_is_another_file(clean_db: Any) -> None:
    await seed_world()
    await national()
    builds = kept.counts.built
    await service.workbook_bytes("national", None, None, TODAY + dt.timedelta(days=1))
    await service.workbook_bytes("national", None, "2017/18-Q2", TODAY)
    assert kept.counts.built == builds + 2


async def test_a_worker_waits_for_the_file_another_is_building(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    key = "k" * 64
    other = os.open(folder / f"{key}.lock", os.O_CREAT | os.O_RDWR)  # another process's hold
    fcntl.flock(other, fcntl.LOCK_EX)

    async def build() -> kept.Built:
        raise AssertionError("built twice")

    waiting = asyncio.create_task(kept.kept(key, build))
    for _ in range(4):
        await asyncio.sleep(kept.WAIT_SECONDS)
    assert not waiting.done()
    kept._write(folder, key, ("book.xlsx", b"bytes"))
    os.close(other)
    assert await waiting == ("book.xlsx", b"bytes")


async def test_people_asking_at_once_share_one_build() -> None:
    calls = 0

    async def build() -> kept.Built:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return "a.xlsx", b"a"

    results = await asyncio.gather(*(kept.kept("s" * 64, build) for _ in range(3)))
    assert set(results) == {("a.xlsx", b"a")} and calls == 1


def test_the_key_names_everything_asked(monkeypatch: Any) -> None:
    asked = kept.Asked("xlsx", "region", "Y63", "", "2018-04-20")
    variants = [
        kept.Asked("csv:practices", "region", "Y63", "", "2018-04-20"),
        kept.Asked("xlsx", "ccg", "Y63", "", "2018-04-20"),
        kept.Asked("xlsx", "region", "Y58", "", "2018-04-20"),
        kept.Asked("xlsx", "region", "Y63", "2017/18-Q2", "2018-04-20"),
        kept.Asked("xlsx", "region", "Y63", "", "2018-04-21"),
    ]
    keys = {kept.key(asked, "t1"), kept.key(asked, "t2"), *(kept.key(v, "t1") for v in variants)}
    assert len(keys) == 7
    assert kept.key(asked, "t1") == kept.key(kept.Asked("xlsx", "region", "Y63", "", "2018-04-20"), "t1")


def test_the_folder_keeps_the_newest_files_within_its_size(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(kept, "FOLDER_BYTES", 25)
    for n, key in enumerate(("a", "b", "c")):
        kept._write(tmp_path, key, ("f", b"x" * 10))
        os.utime(tmp_path / f"{key}.kept", (n, n))
    kept._trim(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.kept")) == ["b.kept", "c.kept"]
    assert kept._read(tmp_path, "c") == ("f", b"x" * 10)
    assert not list(tmp_path.glob("*.partial"))
