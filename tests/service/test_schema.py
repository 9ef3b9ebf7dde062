from tracker import db
from tracker.tables import UNIQUE_INDEXES


async def test_every_unique_index_exists(clean_db):
    for table, columns in UNIQUE_INDEXES:
        if db.is_sqlite():
            rows = await db.fetch(f"SELECT name FROM pragma_index_list('{table}') WHERE \"unique\" = 1")
            found = [
                [r2["name"] for r2 in await db.fetch(f"SELECT name FROM pragma_index_info('{r['name']}')")]
                for r in rows
            ]
        else:
            rows = await db.fetch(
                "SELECT array_agg(a.attname ORDER BY k.n) AS cols FROM pg_index i "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
                "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
                "WHERE t.relname = {} AND i.indisunique GROUP BY i.indexrelid",
                table,
            )
            found = [list(r["cols"]) for r in rows]
        assert list(columns) in found, f"{table} has no unique index on {columns}"
