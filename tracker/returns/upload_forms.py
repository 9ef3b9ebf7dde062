"""What the two workbook uploads (a CCG's returns, a practice's own) share on their pages: the
upload form's two fields, and the preview of what the workbook would change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from tracker.returns import practice_workbook, upload_checks, xlsx
from tracker.web.forms import FormErrors


@dataclass
class UploadForm:
    """The posted workbook and mode, or the errors that say which is missing."""

    file: UploadFile | None
    mode: str
    errors: FormErrors


async def read_upload(request: Request[Any, Any, Any], *, select_file: str, choose_mode: str) -> UploadForm:
    form = await request.form()
    file = form.get("workbook")
    mode = form.get("mode") if isinstance(form.get("mode"), str) else ""
    errors = FormErrors()
    if not isinstance(file, UploadFile) or not file.filename:
        errors.add("workbook", select_file)
    if mode not in ("draft", "submit"):
        errors.add("mode", choose_mode)
    return UploadForm(file if isinstance(file, UploadFile) else None, str(mode or ""), errors)


def preview_context(
    checked: upload_checks.Checked | practice_workbook.Checked,
    token: str,
    submit: bool,
    errors: FormErrors,
    field: str,
) -> dict[str, Any]:
    """The preview page's common part: every change and warning, or every problem (nothing saved)."""
    if checked.errors:
        errors.add(field, xlsx.problems_sentence(len(checked.errors)))
    return {
        "title": "Check the changes before saving them",
        "errors": errors or None,
        "problems": checked.errors,
        "changes": checked.changes,
        "warnings": checked.warnings,
        "token": token,
        "submit": submit,
    }
