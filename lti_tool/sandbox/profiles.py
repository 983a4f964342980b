"""Platform profiles: the sandbox behaving as Moodle or Canvas do at launch and registration
(from ``../shared/lti-platforms.md`` and what a real Moodle 4.5 showed, see issue 14).

``sandbox`` is the sandbox's own, permissive behaviour. A profile is chosen on the sandbox page
or with ``{"profile": "moodle"}`` on ``/sandbox/control``; choosing one also sets the named
switches of the sandbox's grade services that the profile implies (``AGS_SWITCHES``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lti_tool.sandbox.store import get_setting
from lti_tool.sandbox.store import set_setting

SETTING = "profile"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    label: str
    token_seconds: int  # how long an id_token is valid
    lower_case_custom: bool  # custom parameter names lower-cased (Moodle)
    platform_storage: str  # lti_storage_target: "never", "asked" (on the page) or "always"
    default_privacy: str  # what a launch shares when the form does not say
    deployment_per_course: bool  # a new deployment id for each course install (Canvas)
    pending_after_registration: bool  # a registered tool waits for an administrator (Moodle)
    update_registration: bool  # offers "Update existing tool" (Moodle)
    moodle_locale: bool  # Moodle's language codes, "en" when the user's pack is missing
    product_family_code: str


PROFILES = {
    "sandbox": Profile("sandbox", "Sandbox (permissive)", 60, False, "asked", "full", False,
                       False, False, False, "amelie-sandbox"),
    "moodle": Profile("moodle", "Moodle 4.5", 60, True, "never", "full", False, True, True, True,
                      "moodle"),
    "canvas": Profile("canvas", "Canvas", 3600, False, "always", "anonymous", True, False, False,
                      False, "canvas"),
}  # fmt: skip

# The grade services' behaviour switches each profile sets: the names the grading branch's
# ``lti_tool/sandbox/behaviour.py`` reads (``timestamp_rule``: Moodle's 409 unless newer in
# whole seconds, Canvas's 400 when older; ``students_only``: Moodle's 400 / Canvas's 422 for
# non-students). Canvas's 403 throttling stays off (``throttle_after`` None): Canvas throttles
# under load, and a test turns it on where it wants it. Until both branches are merged the
# switches are plain sandbox settings that nothing reads (and ``platform_style`` decides).
AGS_SWITCHES: dict[str, dict[str, object]] = {
    "sandbox": {"platform_style": "moodle", "timestamp_rule": None, "students_only": True,
                "throttle_after": None},
    "moodle": {"platform_style": "moodle", "timestamp_rule": "moodle", "students_only": True,
               "throttle_after": None},
    "canvas": {"platform_style": "canvas", "timestamp_rule": "canvas", "students_only": True,
               "throttle_after": None},
}  # fmt: skip

# Moodle's language packs on the sandbox's "Moodle": a user whose pack is missing gets "en"
MOODLE_PACKS = frozenset({"en", "el", "it", "de", "nl", "fr"})


def current_profile(session: Session) -> Profile:
    return PROFILES.get(str(get_setting(session, SETTING, "sandbox")), PROFILES["sandbox"])


def choose_profile(session: Session, name: str) -> Profile:
    profile = PROFILES[name]
    set_setting(session, SETTING, name)
    for key, value in AGS_SWITCHES[name].items():
        set_setting(session, key, value)
    return profile


def launch_locale(profile: Profile, lang: str) -> str:
    """The locale a launch carries for a user whose LMS language is ``lang`` (a BCP 47 tag as
    the sandbox page offers it: ``en``, ``pt-BR``)."""
    if not profile.moodle_locale:
        return lang
    code = lang.lower().replace("-", "_")  # Moodle's codes: pt_br
    if code in MOODLE_PACKS:
        return code
    language = code.split("_")[0]  # Moodle sends nl for a Belgian user of its Dutch pack
    return language if language in MOODLE_PACKS else "en"


def storage_target(profile: Profile, asked: bool) -> str | None:
    """``lti_storage_target`` for a login and its launch, when the platform offers storage."""
    if profile.platform_storage == "always" or (asked and profile.platform_storage == "asked"):
        return "_parent"
    return None


def custom_parameters(profile: Profile, custom: dict[str, str]) -> dict[str, str]:
    if profile.lower_case_custom:
        return {key.lower(): value for key, value in custom.items()}
    return dict(custom)


def launch_deployment(profile: Profile, deployment_id: str, context_id: str) -> str:
    """The deployment id launches carry: the registration's, or on Canvas the one made when the
    tool was installed in this course (``<id>:<context hash>``), which the tool has not seen."""
    if not profile.deployment_per_course:
        return deployment_id
    digest = hashlib.sha1(context_id.encode()).hexdigest()  # noqa: S324 (an id, not security)
    return f"{deployment_id}:{digest}"
