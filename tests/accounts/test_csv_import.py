"""The CSV checks behind the contact-address and user imports (pure): each problem found, with
the row number a spreadsheet shows, and nothing to write when there is any problem."""

from tracker.accounts import csv_import as c
from tracker.accounts.principal import Role

KNOWN = {
    "A81001": c.Organisation("practice", "A81001", "THE DENSHAM SURGERY", ""),
    "A81002": c.Organisation("practice", "A81002", "QUEENS PARK MEDICAL CENTRE", "old@a81002.test"),
    "00K": c.Organisation("ccg", "00K", "NHS HARTLEPOOL AND STOCKTON-ON-TEES CCG", ""),
    "J81001": c.Organisation("practice", "J81001", "FOREIGN SURGERY", ""),
}


def contacts(text: str, may=lambda o: o.code != "J81001") -> c.Checked:
    return c.check_contacts(c.read_csv(text.encode(), c.CONTACT_COLUMNS), KNOWN, may, "one of your CCG's practices")


def messages(checked) -> list[str]:
    return [str(p) for p in checked.problems]


def test_a_good_file_gives_each_rows_change():
    checked = contacts("ODS code,Email\nA81001,Manager@A81001.test\n00k, gp-it@00k.test \nA81002,old@a81002.test\n")
    assert checked.problems == []
    assert [(x.row, x.organisation.code, x.email, x.changed) for x in checked.changes] == [
        (2, "A81001", "manager@a81001.test", True),
        (3, "00K", "gp-it@00k.test", True),
        (4, "A81002", "old@a81002.test", False),
    ]


def test_headings_are_matched_loosely_and_a_byte_order_mark_is_ignored():
    checked = contacts("\ufeffEmail Address,ods_code\nm@a.test,A81001\n")
    assert checked.problems == [] and checked.changes[0].organisation.code == "A81001"


def test_every_problem_is_listed_with_its_row_and_nothing_is_kept():
    checked = contacts(
        "ODS code,Email\n"
        "A81001,manager@a81001.test\n"  # 2: fine
        "Z99999,x@z.test\n"  # 3: unknown
        "A81002,not-an-email\n"  # 4: bad address
        "A81001,other@a81001.test\n"  # 5: duplicate
        "\n"  # 6: blank, still counted as a spreadsheet counts it
        "J81001,x@j.test\n"  # 7: not theirs
        "00K,\n"  # 8: empty address
    )
    assert checked.changes == []
    assert messages(checked) == [
        "Row 3: there is no practice or CCG with the ODS code Z99999",
        "Row 4: enter an email address in the correct format, like name@nhs.net (not 'not-an-email')",
        "Row 5: A81001 is on row 2 too: give each organisation once",
        "Row 7: J81001 is not one of your CCG's practices",
        "Row 8: enter an email address (not '')",
    ]


def test_formulas_and_control_characters_are_refused():
    checked = contacts('ODS code,Email\nA81001,=HYPERLINK("http://evil.test")\n"A81002","@SUM(1)"\n00K,"a\tb@c.test"\n')
    found = messages(checked)
    assert found[0].startswith("Row 2: the cell '=HYPERLINK(") and "spreadsheet formula" in found[0]
    assert found[1].startswith("Row 3: the cell '@SUM(1)'")
    assert found[2] == "Row 4: a cell holds a control character (such as a tab or line break): remove it"
    assert checked.changes == []


def test_an_oversize_empty_binary_or_headless_file_is_refused_whole():
    assert messages(contacts("x" * (c.MAX_BYTES + 1))) == [
        "The file is larger than 1,000 KB: split it into smaller files"
    ]
    assert messages(contacts("")) == ["The file is empty: it needs a header row and one row for each change"]
    assert messages(contacts("ODS code,Email\n")) == ["The file has a header but no rows"]
    assert "not a CSV file" in messages(contacts("PK\x03\x04\x00\x00"))[0]
    assert messages(contacts("Practice,Address\nA81001,x@y.test\n")) == [
        "Row 1: The header has no 'ods code' column (the columns are: ods code, email)",
        "Row 1: The header has no 'email' column (the columns are: ods code, email)",
    ]
    latin1 = c.read_csv("ODS code,Email\nA81001,café@x.test\n".encode("latin-1"), c.CONTACT_COLUMNS)
    assert "UTF-8" in str(latin1.problems[0])
    many = "ODS code,Email\n" + "A81001,a@b.test\n" * (c.MAX_ROWS + 1)
    assert "more than 10,000 rows" in messages(contacts(many))[0]


def test_long_cells_are_refused():
    checked = contacts(f"ODS code,Email\nA81001,{'a' * 500}@x.test\n")
    assert messages(checked) == ["Row 2: a cell is longer than 400 characters"]


CODES = c.OrgCodes(frozenset({"A81001", "A81002", "J81001"}), frozenset({"00K", "11J"}), frozenset({"Y63"}))


def users(text: str, may=lambda role, org: None, existing=frozenset({"taken@x.test"})) -> c.CheckedUsers:
    table = c.read_csv(text.encode(), c.USER_COLUMNS)
    return c.check_users(table, existing_emails=set(existing), codes=CODES, may_invite=may)


def test_a_good_users_file():
    checked = users(
        "Email,Name,Role,Organisation code\n"
        "Jo@A.test,Jo Bloggs,practice,A81001; a81002\n"
        "lead@b.test,Pat Lead,CCG lead,00K\n"
        "boss@c.test,Sam Boss,national,\n"
    )
    assert checked.problems == []
    assert [(u.row, u.email, u.role, u.org_codes) for u in checked.users] == [
        (2, "jo@a.test", Role.PRACTICE, ("A81001", "A81002")),
        (3, "lead@b.test", Role.CCG, ("00K",)),
        (4, "boss@c.test", Role.NATIONAL, ()),
    ]


def test_users_file_problems_name_each_row():
    checked = users(
        "Email,Name,Role,Organisation code\n"
        "taken@x.test,Ann,practice,A81001\n"
        "new@x.test,,practice,Z99999\n"
        "new@x.test,Bob,boss,\n"
        "r@x.test,Reg,region,Y99\n"
        "n@x.test,Nat,national,00K\n"
        "p@x.test,Pat,practice,\n"
    )
    assert checked.users == []
    assert messages(checked) == [
        "Row 2: taken@x.test already has an account",
        "Row 3: enter the person's full name; there is no practice with the ODS code Z99999",
        "Row 4: new@x.test is on row 3 too: give each person once; the role 'boss' is not one of: practice, ccg, region, national, admin",
        "Row 5: there is no region with the code Y99",
        "Row 6: a national user has no organisation code: leave it empty",
        "Row 7: a practice user needs their practices' ODS codes",
    ]


def test_the_uploaders_refusal_is_a_problem_of_its_row():
    checked = users(
        "Email,Name,Role,Organisation code\na@x.test,Ann,practice,J81001\n",
        may=lambda role, org: "J81001 is not one of your CCG's practices",
    )
    assert messages(checked) == ["Row 2: J81001 is not one of your CCG's practices"]
