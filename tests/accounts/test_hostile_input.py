"""Property-based: hostile input at the sign-in and administration forms never causes a 500,
stores nothing it should not, and the page says what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CSRF, sign_in
from tests.factories import make_org_tree
from tracker.accounts.principal import Role
from tracker.accounts.validation import email_problem, name_problem
from tracker.kv import service as kv
from tracker.tables import Account, AccountPractice, Region

pytestmark = pytest.mark.security

ATTACKS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "'; DROP TABLE account; --",
    "admin@england.test' --",
    "{{ 7*7 }}{% raw %}",
    "admin@england.test\r\nBcc: victim@example.test",
    "\x00\x01\x02\x1b[31m",
    "../../etc/passwd",
    "%s%n%x",
    "A81001, ' OR 1=1 --",
    "\u202eevil\u200b",
]

hostile = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x9F, categories=["Cc"]), max_size=20),
    st.sampled_from(ATTACKS),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.integers(min_value=300, max_value=12_000).map(lambda n: ("x" * n) + "@example.test"),
)
# A field may be missing (None), a hostile string, or given several times (the wrong type).
field = st.one_of(st.none(), hostile, st.lists(hostile, min_size=2, max_size=3))

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _tree_once():
    if not await Region.exists():
        await make_org_tree()


def _form(token: str, fields: dict) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {"_csrf_token": token}
    for key, value in fields.items():
        if value is not None:
            data[key] = value
    return data


async def _post(client, path: str, token_from: str, fields: dict):
    page = await client.get(token_from)
    token = CSRF.search(page.text).group(1)
    return await client.post(path, data=_form(token, fields), follow_redirects=False)


def _says_what_is_wrong(response) -> None:
    assert response.status_code != 500
    assert "There is a problem" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "<img src=x" not in response.text


@pytest.mark.anyio
@FUZZ
@given(email=field, password=field, next_=field)
async def test_sign_in_form_survives_hostile_input(client, email, password, next_):
    await _tree_once()
    await kv.delete_prefix("signin:")
    accounts = await Account.count()
    client.cookies.clear()
    response = await _post(client, "/sign-in", "/sign-in", {"email": email, "password": password, "next": next_})
    assert response.status_code in (422, 429), response.status_code
    _says_what_is_wrong(response)
    assert await Account.count() == accounts
    assert (await client.get("/", follow_redirects=False)).status_code == 303  # not signed in


@pytest.mark.anyio
@FUZZ
@given(email=field, name=field, role=st.one_of(field, st.sampled_from([r.value for r in Role])), org=field)
async def test_invite_form_survives_hostile_input(client, email, name, role, org):
    await _tree_once()
    if client.cookies.get("tracker_session") is None:
        await sign_in(client, "admin@england.test")
    before = {r["email"] for r in await Account.select(Account.email)}
    response = await _post(
        client, "/admin/users/invite", "/admin/users/invite", {"email": email, "name": name, "role": role, "org": org}
    )
    assert response.status_code in (303, 422), response.status_code
    after = await Account.select(Account.email, Account.name, Account.role)
    new = [r for r in after if r["email"] not in before]
    if response.status_code == 422:
        _says_what_is_wrong(response)
        assert not new
    else:
        assert len(new) == 1
        assert email_problem(new[0]["email"]) is None and name_problem(new[0]["name"]) is None
        assert new[0]["role"] in {r.value for r in Role}


@pytest.mark.anyio
@FUZZ
@given(name=field, role=field, org=field)
async def test_user_update_form_survives_hostile_input(client, name, role, org):
    await _tree_once()
    if client.cookies.get("tracker_session") is None:
        await sign_in(client, "admin@england.test")
    target = (
        await Account.select(Account.id, Account.name, Account.role)
        .where(Account.email == "practice@a81001.test")
        .first()
    )
    links = await AccountPractice.count().where(AccountPractice.account == target["id"])
    path = f"/admin/users/{target['id']}"
    response = await _post(client, path, path, {"name": name, "role": role, "org": org})
    assert response.status_code in (303, 422), response.status_code
    if response.status_code == 422:
        _says_what_is_wrong(response)
        row = await Account.select(Account.name, Account.role).where(Account.id == target["id"]).first()
        assert row == {"name": target["name"], "role": target["role"]}
        assert await AccountPractice.count().where(AccountPractice.account == target["id"]) == links
    else:
        row = await Account.select(Account.name).where(Account.id == target["id"]).first()
        assert name_problem(row["name"]) is None


async def test_files_and_json_instead_of_fields(client):
    await make_org_tree()
    page = await client.get("/sign-in")
    token = CSRF.search(page.text).group(1)
    upload = await client.post(
        "/sign-in",
        data={"_csrf_token": token},
        files={"email": ("email.txt", b"<script>", "text/plain"), "password": ("p", b"x", "text/plain")},
    )
    assert upload.status_code == 422 and "Enter an email address" in upload.text
    as_json = await client.post(
        "/sign-in", json={"email": ["a"], "password": {"x": 1}}, headers={"x-csrf-token": token}
    )
    assert as_json.status_code in (400, 422)
