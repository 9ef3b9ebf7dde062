"""`db.fetch` compiles `{}` placeholders itself, outside Piccolo: the same text as Piccolo's."""

import pytest
from piccolo.querystring import QueryString

from tracker.db import compile_placeholders

TEXTS = [
    "SELECT 1",
    "SELECT id FROM period WHERE id = {}",
    "SELECT a FROM t WHERE a = {} AND b IN ({}, {}, {})",
    "SELECT json_extract(v, '$.a') FROM t WHERE k = {} ORDER BY 1",
]


@pytest.mark.parametrize("sql", TEXTS)
@pytest.mark.parametrize("style", ["sqlite", "postgres"])
def test_placeholders_compile_as_piccolo_compiles_them(sql: str, style: str) -> None:
    args = list(range(sql.count("{}")))
    assert compile_placeholders(sql, style) == QueryString(sql, *args).compile_string(style)[0]


def test_doubled_braces_are_a_literal_brace() -> None:
    # Piccolo's own compiling turns "{{a}}" into "{?a}"; nothing of the tracker's relies on that.
    assert compile_placeholders("SELECT '{{a}}', {}", "postgres") == "SELECT '{a}', $1"


def test_a_named_placeholder_is_refused_rather_than_bound_wrongly() -> None:
    with pytest.raises(ValueError, match="only empty placeholders"):
        compile_placeholders("SELECT {name}", "sqlite")
