"""Audit events leave the audit service as typed rows: the detail decoded once, read-only, and the
audit trail page reads the same rows other features do."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.audit import presenters
from tracker.audit import service as audit

AT = dt.datetime(2018, 4, 20, 14, 5, 9, tzinfo=dt.UTC)


def _row(detail: object) -> audit.AuditEventRow:
    return audit.AuditEventRow(5, AT, "", "user.changed", "account", "12", audit.decode_detail(detail), "10.0.0.1")


def test_the_detail_is_decoded_once_and_cannot_be_changed() -> None:
    detail = audit.decode_detail('{"by": "ccg", "text": "Check Wi-Fi"}')
    assert dict(detail) == {"by": "ccg", "text": "Check Wi-Fi"}
    with pytest.raises(TypeError):
        detail["text"] = "changed"  # type: ignore[index]
    assert dict(audit.decode_detail("")) == {}


def test_a_detail_that_is_not_a_json_object_is_kept_whole() -> None:
    assert dict(audit.decode_detail("not json")) == {"detail": "not json"}
    assert dict(audit.decode_detail("[1, 2]")) == {"detail": [1, 2]}


def test_the_audit_trail_shows_changes_as_old_to_new() -> None:
    row = _row('{"email": "a@x", "new": {"role": "ccg"}, "old": {"role": "practice"}}')
    [cells] = presenters.event_rows([row])
    assert [c["text"] for c in cells] == [
        "20 Apr 2018 14:05:09",
        "system",
        "user.changed",
        "account 12",
        "email: a@x; role: practice → ccg",
        "10.0.0.1",
    ]


async def test_search_and_events_of_give_the_same_rows(clean_db) -> None:
    await audit.record("return.comment", actor="lead@x", entity_type="practice_return", entity_id=7,
                       detail={"by": "ccg", "text": "Check Wi-Fi"}, ip="10.0.0.2", at=AT)  # fmt: skip
    [event] = await audit.events_of("practice_return", [7], ("return.comment",))
    found = await audit.search(entity_type="practice_return", entity_id="7")
    assert (found.total, found.page, found.pages) == (1, 1, 1)
    assert found.rows == [event]
    assert (event.actor, event.entity_id, event.ip, event.detail["text"]) == ("lead@x", "7", "10.0.0.2", "Check Wi-Fi")
