"""How a practice's name is written for people: one rule for every page, email and workbook."""

from tracker.organisations.presenters import practice_title


def test_ods_capitals_become_a_name_people_read():
    assert practice_title("HARTLEPOOL NHS HEALTHCARE CENTRE") == "Hartlepool NHS Healthcare Centre"
    assert practice_title("ST JOHN'S MEDICAL CENTRE") == "St John's Medical Centre"
    assert practice_title("PARK LANE SURGERY (DR SMITH)") == "Park Lane Surgery (Dr Smith)"
    assert practice_title("THE GP SURGERY") == "The GP Surgery"
    assert practice_title("HEALTH CENTRE OF THE NORTH") == "Health Centre of the North"
    assert practice_title("STOCKTON-ON-TEES PRACTICE") == "Stockton-on-Tees Practice"


def test_no_page_writes_a_practice_name_its_own_way():
    """str.title() makes "NHS" "Nhs" and "JOHN'S" "John'S": practice names go through practice_title."""
    import re

    from tests.conftest import ROOT

    found = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"name['\"]?\]?\)?\.title\(\)", line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    # Jinja's `title` filter is str.title(): templates use `practice_name`, the same rule.
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\|\s*title\b", line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, found
