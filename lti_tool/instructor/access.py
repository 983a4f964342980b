"""Only staff (Instructor, TeachingAssistant, ContentDeveloper, Administrator) reach these pages;
learners get 403 on every one, whatever they post."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from lti_tool.errors import error_page
from lti_tool.lti.launch_session import current_launch
from lti_tool.lti.launch_session import launch_required

F = TypeVar("F", bound=Callable[..., Any])


def staff_required(view: F) -> F:
    @functools.wraps(view)
    def check_staff(*args: Any, **kwargs: Any) -> Any:
        if not current_launch().is_staff:
            return error_page(403)
        return view(*args, **kwargs)

    return launch_required(check_staff)  # type: ignore[return-value]
