"""The home page: what the person's role does, and for practice staff their to-do list."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from tracker.accounts import presenters
from tracker.accounts.policy import Level, visible
from tracker.web.auth import ANY_SIGNED_IN


@get("/", opt=ANY_SIGNED_IN, name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    context = presenters.home_context(request.user)
    if visible(request.user).level == Level.PRACTICES:
        from tracker.returns import todo_service

        settings = request.app.state.settings
        context["todos"] = await todo_service.todos_for(request.user, now=settings.now(), today=settings.current_date())
    return Template("home.html", context=context)


ROUTES: list[Any] = [home]
