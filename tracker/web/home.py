"""The home page: what the person's role does, and for practice staff and CCG leads their to-do list."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from tracker.accounts import presenters
from tracker.accounts.policy import Level, visible
from tracker.accounts.principal import Role
from tracker.web.auth import ANY_SIGNED_IN


@get("/", opt=ANY_SIGNED_IN, name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    context = presenters.home_context(request.user)
    level = visible(request.user).level
    if level in (Level.PRACTICES, Level.CCG):
        from tracker.returns import todo_service

        settings = request.app.state.settings
        now, today = settings.now(), settings.current_date()
        if level == Level.PRACTICES:
            context["todos"] = await todo_service.todos_for(request.user, now=now, today=today)
        elif request.user.role == Role.CCG:
            context["ccg_todo"] = await todo_service.ccg_todo_for(request.user, now=now, today=today)
    return Template("home.html", context=context)


ROUTES: list[Any] = [home]
