"""Each table is read and written by the feature that owns it; others ask that feature's service.

The scan finds a table by its name in SQL (FROM, JOIN, UPDATE, INTO), by its Piccolo class in
queries, and through a foreign key a query follows into it. `CROSS_READS` lists the reads that still go around an owner: a ratchet, it may only
shrink. A new cross-read fails the test; so does a listed one that has gone (remove it then).
"""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tracker.tables import TABLES

OWNERS: dict[str, set[str]] = {
    "organisations": {
        "region",
        "local_office",
        "ccg",
        "practice",
        "list_size",
        "list_size_band",
        "ods_edition",
        "practice_membership",
        "ccg_region",
        "practice_edition_region",
    },
    "indicators": {"indicator", "indicator_version"},
    "ops": {"scheduler_lease"},
    "feeds": {"feed_value"},
    "periods": {"period"},
    "accounts": {"account", "account_practice", "account_token"},
    "kv": {"key_value"},
    "changes": {"data_change"},
    "audit": {"audit_event"},
    "returns": {"practice_return", "return_value", "lock_exception", "api_token"},
    "notifications": {"job_claim", "outbox_email", "outbox_attachment", "schedule", "job_run", "report_opt_out"},
    "maturity": {"practice_score", "indicator_stat", "org_score"},
    "funding": {
        "funding_stream",
        "allocation_run",
        "allocation_line",
        "transition_application",
        "capital_bid",
        "funding_forecast",
        "reallocation_scenario",
        "reallocation_adjustment",
        "practice_award",
        "practice_award_indicator",
    },
}
INFRASTRUCTURE = {"tables.py", "db.py", "piccolo_conf.py", "piccolo_app.py"}

# (module, table) reads that still bypass the owner's service. Shrink only.
CROSS_READS: set[tuple[str, str]] = set()


def _reads() -> set[tuple[str, str]]:
    classes = {t._meta.tablename: t.__name__ for t in TABLES}
    found: set[tuple[str, str]] = set()
    base = ROOT / "tracker"
    for path in sorted(base.rglob("*.py")):
        module = str(path.relative_to(base))
        if module in INFRASTRUCTURE:
            continue
        source = path.read_text()
        feature = module.split("/")[0] if "/" in module else ""
        owned = OWNERS.get(feature, set())
        for table, cls in classes.items():
            if table in owned:
                continue
            if reads_table(source, table, cls):
                found.add((module, table))
        found |= {(module, table) for table in joins(source) if table not in owned}
    return found


def joins(source: str) -> set[str]:
    """The tables a Piccolo query reaches through a foreign key (`Account.ccg.code` reads `ccg`).
    Comparing the key itself (`Account.ccg.is_in(...)`, `.id`) reads nothing of the other table."""
    found = set()
    for table in TABLES:
        for fk in table._meta.foreign_key_columns:
            target = fk._foreign_key_meta.resolved_references
            columns = {c._meta.name for c in target._meta.columns} - {"id"}
            for match in re.finditer(rf"\b{table.__name__}\.{fk._meta.name}\.(\w+)", source):
                if match.group(1) in columns:
                    found.add(target._meta.tablename)
    return found


def reads_table(source: str, table: str, cls: str) -> bool:
    """Whether `source` names the table in SQL or queries its Piccolo class. The tracker writes SQL
    keywords in capitals, so a sentence such as "Values from period" is not taken for SQL."""
    in_sql = re.search(rf'\b(FROM|JOIN|UPDATE|INTO)\s+"?{table}"?\b', source)
    in_orm = re.search(rf"\b{cls}\.(select|update|insert|delete|count|exists|raw)\b|\b{cls}\(", source)
    return bool(in_sql or in_orm)


def test_the_scan_finds_sql_and_queries_but_not_words():
    assert reads_table('db.fetch("SELECT id FROM practice WHERE ods_code = {}")', "practice", "Practice")
    assert reads_table('x JOIN "period" p ON p.id = r.period', "period", "Period")
    assert reads_table("await Practice.select(Practice.id)", "practice", "Practice")
    assert not reads_table('heading = "Values from period"', "period", "Period")


def test_the_scan_finds_a_join_through_a_foreign_key():
    assert joins("Account.select(Account.ccg.code)") == {"ccg"}
    assert joins("AccountPractice.practice.ods_code.like(x)") == {"practice"}
    assert joins("Account.ccg.is_in(ids) | AccountPractice.practice.id") == set()


def test_every_table_has_one_owner():
    owned = [t for tables in OWNERS.values() for t in tables]
    assert len(owned) == len(set(owned)), "a table has two owners"
    assert {t._meta.tablename for t in TABLES} == set(owned), "a table has no owner in OWNERS"


def test_no_new_reads_around_an_owner():
    reads = _reads()
    new = sorted(reads - CROSS_READS)
    assert not new, "read another feature's table through its service instead: " + ", ".join(
        f"{m} reads {t}" for m, t in new
    )
    gone = sorted(CROSS_READS - reads)
    assert not gone, "no longer read (remove from CROSS_READS): " + ", ".join(f"{m} {t}" for m, t in gone)
