"""The values an email is queued with: what a feature must give, and what it may leave out. Pure."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.notifications.outbox_service import QUEUED_COLUMNS, queued_values

NOW = dt.datetime(2018, 4, 20, 8, 0, tzinfo=dt.UTC)
EMAIL = {"idempotency_key": "k", "kind": "password_reset", "to_address": "a@b.test", "subject": "S", "body_text": "T"}


def test_what_is_left_out_takes_its_default_and_both_times_are_now() -> None:
    values = dict(zip(QUEUED_COLUMNS, queued_values({**EMAIL, "practice": 7}, NOW), strict=True))
    assert values["practice"] == 7 and values["ccg"] is None and values["body_html"] == ""
    assert values["attachment_sha256"] == values["attachment_path"] == ""
    assert values["created_at"] == values["next_attempt_at"] == NOW


def test_a_misspelt_or_missing_column_is_refused() -> None:
    with pytest.raises(ValueError, match="not outbox columns"):
        queued_values({**EMAIL, "practise": 7}, NOW)
    with pytest.raises(ValueError, match="needs"):
        queued_values({k: v for k, v in EMAIL.items() if k != "subject"}, NOW)
