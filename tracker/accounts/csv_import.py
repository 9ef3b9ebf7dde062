"""Reading and checking the CSV files administrators and CCG leads upload: contact addresses
(ODS code, email) and users (email, name, role, organisation code). Pure.

A file is checked whole before anything is written, and every problem is reported with its row
number as a spreadsheet shows it (the header is row 1), so that a person can correct the file and
upload it again. The look-ups a check needs (which codes exist, which the uploader may change)
are handed in by the caller.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tracker.accounts.principal import Role
from tracker.accounts.validation import CONTROL, email_problem, name_problem

MAX_BYTES = 1_000_000  # England's ~7,500 practices and ~200 CCGs fit in a third of this
MAX_ROWS = 10_000
MAX_CELL = 400
SHOWN_PROBLEMS = 200  # a page lists at most this many; the count says how many more there are

# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): refused, not cleaned, so the
# file means what its author sees.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CODE = re.compile(r"^[A-Z0-9]{3,8}$")


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1; 0 for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}" if self.row else self.message


@dataclass
class Table:
    """A CSV file's data rows as {column: text}, each with its row number, or the problems that
    stopped it being read."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _heading(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").strip().lower().split())


def read_csv(data: bytes, columns: dict[str, tuple[str, ...]], *, max_bytes: int = MAX_BYTES) -> Table:
    """The rows of a CSV file whose header names `columns` (column -> the headings accepted for
    it); problems for an oversize, empty, binary or misshapen file, or a cell that looks like a
    formula or holds control characters."""
    out = Table()
    if len(data) > max_bytes:
        out.problems.append(
            Problem(0, f"The file is larger than {max_bytes // 1000:,} KB: split it into smaller files")
        )
        return out
    if b"\x00" in data:
        out.problems.append(Problem(0, "The file is not a CSV file: save it from your spreadsheet as CSV (UTF-8)"))
        return out
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        out.problems.append(
            Problem(0, "The file is not saved as UTF-8 text: save it from your spreadsheet as CSV (UTF-8)")
        )
        return out
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        out.problems.append(Problem(0, f"The file could not be read as CSV: {exc}"))
        return out
    records = [r for r in records if any(c.strip() for c in r)] if records else []
    if not records:
        out.problems.append(Problem(0, "The file is empty: it needs a header row and one row for each change"))
        return out
    header = [_heading(h) for h in records[0]]
    where: dict[str, int] = {}
    for column, names in columns.items():
        found = [i for i, h in enumerate(header) if h in names]
        if not found:
            out.problems.append(
                Problem(
                    1,
                    f"The header has no '{names[0]}' column (the columns are: {', '.join(n[0] for n in columns.values())})",
                )
            )
        else:
            where[column] = found[0]
    if out.problems:
        return out
    if len(records) - 1 > MAX_ROWS:
        out.problems.append(Problem(0, f"The file has more than {MAX_ROWS:,} rows: split it into smaller files"))
        return out
    if len(records) == 1:
        out.problems.append(Problem(0, "The file has a header but no rows"))
        return out
    for number, cells in _numbered(text, records):
        row: dict[str, str] = {}
        for column, i in where.items():
            row[column] = cells[i].strip() if i < len(cells) else ""
        problem = next((p for p in map(cell_problem, cells) if p), None)
        if problem:
            out.problems.append(Problem(number, problem))  # one problem a row: its cells say nothing more
            continue
        out.rows.append((number, row))
    return out


def _numbered(text: str, records: list[list[str]]) -> Iterable[tuple[int, list[str]]]:
    """The data records with the row number a spreadsheet shows (blank rows count, as there)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    for cells in reader:
        if any(c.strip() for c in cells):
            yield reader.line_num, cells


def cell_problem(cell: str) -> str | None:
    """Why a cell is refused, or None."""
    if len(cell) > MAX_CELL:
        return f"a cell is longer than {MAX_CELL} characters"
    stripped = cell.lstrip(" ")
    if stripped.startswith(FORMULA_START):
        return f"the cell '{_shown(stripped)}' starts with {stripped[:1]!r}, as a spreadsheet formula does: remove it"
    if CONTROL.search(cell):
        return "a cell holds a control character (such as a tab or line break): remove it"
    return None


def _shown(cell: str) -> str:
    cell = CONTROL.sub(" ", cell)
    return cell if len(cell) <= 30 else cell[:29] + "…"


# --- Contact addresses ------------------------------------------------------------------------

CONTACT_COLUMNS = {
    "code": ("ods code", "code", "organisation code", "practice code", "ccg code"),
    "email": ("email", "email address", "contact email", "contact email address"),
}


@dataclass(frozen=True)
class Organisation:
    """A practice or CCG a contact row may name, as the organisations feature knows it."""

    kind: str  # practice | ccg
    code: str
    name: str
    contact_email: str


@dataclass(frozen=True)
class ContactChange:
    row: int
    organisation: Organisation
    email: str

    @property
    def changed(self) -> bool:
        return self.email != self.organisation.contact_email


@dataclass
class Checked:
    """A file's changes (each row of a valid file) or its problems (then nothing may be written)."""

    changes: list[ContactChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_contacts(
    table: Table, known: dict[str, Organisation], may_change: Callable[[Organisation], bool], who: str
) -> Checked:
    """Each row's change, or every problem: unknown codes, bad addresses, organisations given
    twice, organisations the uploader may not change (`who` says whose they may, for the message)."""
    out = Checked(problems=list(table.problems))
    seen: dict[str, int] = {}
    for number, row in table.rows:
        code = row["code"].upper()
        email = row["email"].lower()
        if not code:
            out.problems.append(Problem(number, "enter the practice's or CCG's ODS code"))
            continue
        organisation = known.get(code) if CODE.match(code) else None
        if organisation is None:
            out.problems.append(Problem(number, f"there is no practice or CCG with the ODS code {_shown(code)}"))
            continue
        if code in seen:
            out.problems.append(Problem(number, f"{code} is on row {seen[code]} too: give each organisation once"))
            continue
        seen[code] = number
        if not may_change(organisation):
            out.problems.append(Problem(number, f"{code} is not {who}"))
            continue
        problem = email_problem(email)
        if problem:
            out.problems.append(Problem(number, f"{problem[:1].lower()}{problem[1:]} (not '{_shown(row['email'])}')"))
            continue
        out.changes.append(ContactChange(number, organisation, email))
    if out.problems:
        out.changes = []
    return out


# --- Users ------------------------------------------------------------------------------------

USER_COLUMNS = {
    "email": ("email", "email address"),
    "name": ("name", "full name"),
    "role": ("role",),
    "org": ("organisation code", "organisation", "org code", "ods code", "code", "organisation codes"),
}

ROLE_NAMES = {
    "practice": Role.PRACTICE,
    "practice user": Role.PRACTICE,
    "ccg": Role.CCG,
    "ccg user": Role.CCG,
    "ccg lead": Role.CCG,
    "region": Role.REGION,
    "regional user": Role.REGION,
    "region user": Role.REGION,
    "national": Role.NATIONAL,
    "national user": Role.NATIONAL,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
}


@dataclass(frozen=True)
class OrgCodes:
    """The codes a user row's organisation may name, by kind."""

    practices: frozenset[str]
    ccgs: frozenset[str]
    regions: frozenset[str]


@dataclass(frozen=True)
class NewUser:
    row: int
    email: str
    name: str
    role: Role
    org_codes: tuple[str, ...]


@dataclass
class CheckedUsers:
    users: list[NewUser] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def split_org(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", text.upper()) if c]


def check_users(
    table: Table,
    *,
    existing_emails: set[str],
    codes: OrgCodes,
    may_invite: Callable[[Role, list[str]], str | None],
) -> CheckedUsers:
    """Each row's new user, or every problem. `may_invite(role, codes)` says why the uploader may
    not invite that user (None when they may)."""
    out = CheckedUsers(problems=list(table.problems))
    seen: dict[str, int] = {}
    for number, row in table.rows:
        email = row["email"].lower()
        found: list[str] = []
        if problem := email_problem(email):
            found.append(f"{problem[:1].lower()}{problem[1:]}")
        elif email in seen:
            found.append(f"{email} is on row {seen[email]} too: give each person once")
        elif email in existing_emails:
            found.append(f"{email} already has an account")
        seen.setdefault(email, number)
        if problem := name_problem(row["name"]):
            found.append(f"{problem[:1].lower()}{problem[1:]}")
        role = ROLE_NAMES.get(_heading(row["role"]))
        org = split_org(row["org"])
        if role is None:
            found.append(f"the role '{_shown(row['role'])}' is not one of: practice, ccg, region, national, admin")
        else:
            found += _org_problems(role, org, codes)
            if not found and (refusal := may_invite(role, org)):
                found.append(refusal)
        if found:
            out.problems.append(Problem(number, "; ".join(found)))
        elif role is not None:
            out.users.append(NewUser(number, email, row["name"], role, tuple(org)))
    if out.problems:
        out.users = []
    return out


def _org_problems(role: Role, org: list[str], codes: OrgCodes) -> list[str]:
    if role == Role.PRACTICE:
        if not org:
            return ["a practice user needs their practices' ODS codes"]
        unknown = [c for c in org if c not in codes.practices]
        return (
            [f"there is no practice with the ODS code {', '.join(_shown(c) for c in unknown[:5])}"] if unknown else []
        )
    if role in (Role.CCG, Role.REGION):
        known = codes.ccgs if role == Role.CCG else codes.regions
        kind = "CCG" if role == Role.CCG else "region"
        if len(org) != 1:
            return [f"a {kind} user needs one {kind} code"]
        return [] if org[0] in known else [f"there is no {kind} with the code {_shown(org[0])}"]
    if org:
        return [f"a {role.value} user has no organisation code: leave it empty"]
    return []
