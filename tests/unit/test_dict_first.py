"""Pages' `x.name` on a plain dict reads the key without trying an attribute first, and gives
what Jinja's own lookup gives for every name: keys, dict's own methods, and missing names. Their
`{% import %}` finds the same globals as with Jinja's own template class."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import ChainableUndefined, Environment, Undefined

from tracker.web.templating import DictFirstEnvironment

PLAIN = Environment(undefined=ChainableUndefined, autoescape=True)
QUICK = DictFirstEnvironment(undefined=ChainableUndefined, autoescape=True)
NAMES = st.sampled_from(["items", "get", "keys", "values", "text", "href", "__class__", "format"]) | st.text(
    min_size=1, max_size=8
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Undefined) or isinstance(b, Undefined):
        return type(a) is type(b) and a._undefined_name == b._undefined_name
    if callable(a) and callable(b):  # a dict method, bound to the same dict
        return getattr(a, "__self__", None) is getattr(b, "__self__", None) and a.__name__ == b.__name__
    return type(a) is type(b) and str(a) == str(b)


@given(st.dictionaries(NAMES, st.integers() | st.text(max_size=5)), NAMES)
def test_a_dict_gives_what_jinja_gives(d: dict[str, Any], name: str) -> None:
    assert _same(QUICK.getattr(d, name), PLAIN.getattr(d, name))


def test_in_a_template_keys_methods_and_missing_names_read_as_before() -> None:
    source = "{{ d.text }}|{{ d.items is callable }}|{% for k, v in d.items() %}{{ k }}{% endfor %}|{{ d.nothing.deeper }}|{{ o.text }}"
    values = {"d": {"text": "<b>", "items": [1, 2, 3]}, "o": OrderedDict(text="x")}
    assert QUICK.from_string(source).render(**values) == PLAIN.from_string(source).render(**values)


def _imports(env_class: type[Environment]) -> str:
    # The imported template reads a global the importing one has and it lacks (`who`, given to the
    # importing template alone) and one both have (`shared`): Jinja then makes a module for that
    # import, and otherwise reuses the one it made.
    from jinja2 import DictLoader

    env = env_class(
        loader=DictLoader(
            {
                "m.html": "{% macro hello() %}{{ shared }} {{ who }}{% endmacro %}",
                "page.html": '{% import "m.html" as m %}{% from "m.html" import hello %}{{ m.hello() }}|{{ hello() }}',
            }
        ),
        autoescape=True,
    )
    env.globals["shared"] = "hi"
    plain = env.get_template("m.html").module.hello()  # the cached module: `who` undefined
    page = env.get_template("page.html", globals={"who": "<you>"})
    again = env.get_template("m.html").module.hello()
    return f"{plain}|{page.render()}|{again}"


def test_imports_see_the_same_globals_as_with_jinjas_own_template() -> None:
    assert _imports(DictFirstEnvironment) == _imports(Environment)
    assert _imports(DictFirstEnvironment) == "hi |hi &lt;you&gt;|hi &lt;you&gt;|hi "
