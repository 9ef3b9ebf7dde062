"""Returns: the practice form, CCG review, the workbook, the suppliers' API and its administration."""

from tests.returns.factories import OPEN, OPEN_URL, PREVIOUS, form_data, make_return, setup_catalogue
from tests.route_matrix.matrix import Entry, any_org, merge, own_org
from tracker import clock
from tracker.accounts.principal import Role
from tracker.tables import ApiToken, LockException, Period, PracticeReturn

P, C, R, N, A = Role.PRACTICE, Role.CCG, Role.REGION, Role.NATIONAL, Role.ADMIN
NOBODY: dict = {}


async def _catalogue(tree):
    await setup_catalogue()
    return {}


async def _practice(tree):
    await setup_catalogue()
    return {"ods_code": "A81001"}


async def _return(tree):
    await setup_catalogue()
    return {"ods_code": "A81001", "period_code": OPEN_URL}


async def _submitted(tree):
    """A submitted return of A81001 (CCG 00K) for the CCG lead to decide on."""
    await setup_catalogue()
    row = await PracticeReturn.select(PracticeReturn.id).first()
    if row is None:
        row = await make_return(tree["practices"][0], OPEN, "submitted")
    return {"return_id": str(row["id"]), "decision": "approve"}


async def _token(tree):
    row = await ApiToken.select(ApiToken.id).first()
    if row is None:
        rows = await ApiToken.insert(
            ApiToken(
                name="Supplier",
                token_hash="0" * 64,
                practice=tree["practices"][0]["id"],
                created_at=clock.now(),
            )
        ).returning(ApiToken.id)
        row = rows[0]
    return {"token_id": row["id"]}


async def _exception(tree):
    import datetime as dt

    await setup_catalogue()
    period = await Period.select(Period.id).where(Period.code == PREVIOUS).first()
    row = await LockException.select(LockException.id).first()
    if row is None:
        rows = await LockException.insert(
            LockException(
                practice=tree["practices"][0]["id"],
                period=period["id"],
                until=dt.date(2018, 5, 1),
                granted_at=clock.now(),
            )
        ).returning(LockException.id)
        row = rows[0]
    return {"exception_id": row["id"]}


ORG_READERS = merge(own_org(P, C, R), any_org(N, A))
ADMINS = any_org(A)

ENTRIES = [
    Entry("GET", "/returns", params=_catalogue, allow=any_org(P), note="the signed-in practice user's own practices"),
    Entry("GET", "/practices/{ods_code:str}/returns", params=_practice, allow=ORG_READERS),
    Entry("GET", "/practices/{ods_code:str}/returns/{period_code:str}", params=_return, allow=ORG_READERS),
    Entry(
        "POST",
        "/practices/{ods_code:str}/returns/{period_code:str}",
        params=_return,
        form=lambda t: form_data(version=0),
        allow=own_org(P),
        note="only the practice's own users change a return",
    ),
    Entry(
        "POST",
        "/practices/{ods_code:str}/returns/{period_code:str}/comments",
        params=_return,
        form=lambda t: {"comment": "Please check the Wi-Fi answer."},
        allow=own_org(P, C),
        note="the practice's own users and its CCG's lead comment; everyone who may see the return reads the thread",
    ),
    Entry("GET", "/review", allow=any_org(C), note="the queue of the lead's own CCG"),
    Entry("GET", "/review/grid", params=_catalogue, allow=any_org(C), note="the lead's own CCG"),
    Entry(
        "POST",
        "/review/decisions",
        form=_submitted,
        allow=own_org(C),
        note="a return of another CCG's practice is refused with 403 and nothing is done",
    ),
    Entry("GET", "/review/workbook", allow=any_org(C)),
    Entry("GET", "/review/workbook.xlsx", params=_catalogue, allow=any_org(C), note="the lead's own CCG"),
    Entry("POST", "/review/workbook", allow=any_org(C), note="the upload is checked against the lead's own CCG"),
    Entry("POST", "/review/workbook/apply", allow=any_org(C), form=lambda t: {"token": "x"}),
    Entry("GET", "/admin/api-tokens", allow=ADMINS),
    Entry("POST", "/admin/api-tokens", allow=ADMINS, form=lambda t: {"name": "EMIS", "organisation": "A81001"}),
    Entry("POST", "/admin/api-tokens/{token_id:int}/revoke", allow=ADMINS, params=_token),
    Entry("GET", "/admin/lock-exceptions", params=_catalogue, allow=ADMINS),
    Entry(
        "POST",
        "/admin/lock-exceptions",
        params=_catalogue,
        allow=ADMINS,
        form=lambda t: {
            "practices": "A81001",
            "period": PREVIOUS,
            "until-day": "20",
            "until-month": "5",
            "until-year": "2018",
            "reason": "ill",
        },
    ),
    Entry("POST", "/admin/lock-exceptions/{exception_id:int}/withdraw", allow=ADMINS, params=_exception),
    # The suppliers' API takes bearer tokens only: 401 signed out, 403 for a website session.
    # Token scope (practice / CCG) is tested in tests/returns/test_api_and_admin.py.
    Entry("GET", "/api/v1/practices/{ods_code:str}/returns", params=_practice, allow=NOBODY),
    # Token scope for figures is tested in tests/figures/test_consistency.py.
    Entry(
        "GET", "/api/v1/figures/{level:str}/{code:str}", params=lambda t: {"level": "ccg", "code": "00K"}, allow=NOBODY
    ),
    Entry("GET", "/api/v1/practices/{ods_code:str}/returns/{period_code:str}", params=_return, allow=NOBODY),
    Entry(
        "PUT",
        "/api/v1/practices/{ods_code:str}/returns/{period_code:str}",
        params=_return,
        allow=NOBODY,
        json=True,
        form=lambda t: {"version": 0, "values": []},
    ),
    Entry(
        "PATCH",
        "/api/v1/practices/{ods_code:str}/returns/{period_code:str}",
        params=_return,
        allow=NOBODY,
        json=True,
        form=lambda t: {"version": 0, "values": []},
    ),
]
