"""The only module that knows LTI claim URLs: it turns a verified id_token into a LaunchContext."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from pylti1p3.roles import AbstractRole
from pylti1p3.roles import RoleType

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
FOR_USER = LTI + "for_user"
TOOL_PLATFORM = LTI + "tool_platform"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

# the service scopes the tool asks for (AGS line items, scores and results, NRPS memberships);
# results are read to tell whether a score sent before a crash arrived (docs/decisions.md)
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ, SCOPE_SCORE,
               SCOPE_MEMBERSHIP)  # fmt: skip

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUBMISSION_REVIEW_REQUEST = "LtiSubmissionReviewRequest"
DATA_PRIVACY_REQUEST = "DataPrivacyLaunchRequest"  # the draft's name, as pylti1p3 knows it
DATA_PRIVACY_LAUNCH = "LtiDataPrivacyLaunchRequest"  # LTI Data Privacy Launch 1.0
SUPPORTED_MESSAGE_TYPES = (
    RESOURCE_LINK_REQUEST,
    DEEP_LINKING_REQUEST,
    SUBMISSION_REVIEW_REQUEST,
    DATA_PRIVACY_LAUNCH,
    DATA_PRIVACY_REQUEST,
)

STAFF_ROLE_NAMES = frozenset(
    {"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"}
)
TEST_USER_ROLE = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"

_parser = AbstractRole({})


def parse_role(role: str) -> tuple[str, str | None]:
    """('Instructor', 'membership') from a LIS v2 URI; (name, None) for a short name."""
    name, kind = _parser.parse_role_str(role)
    if kind is None and "#" in name:
        name = name.rsplit("#", 1)[1]
    return name, kind


def is_staff(roles: list[str]) -> bool:
    """Staff by their role in this course; institution or system roles only when none is given."""
    parsed = [parse_role(r) for r in roles if isinstance(r, str)]
    in_course = [name for name, kind in parsed if kind in (RoleType.CONTEXT, None)]
    if in_course:
        return any(name in STAFF_ROLE_NAMES for name in in_course)
    return any(name in ("Administrator", "SysAdmin", "Instructor", "Faculty") for name, _ in parsed)


@dataclass(frozen=True, slots=True)
class AgsEndpoint:
    lineitem: str | None
    lineitems: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LaunchContext:
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str
    roles: tuple[str, ...]
    staff: bool
    test_user: bool
    display_name: str | None
    locale: str | None
    context_id: str | None
    context_title: str | None
    context_label: str | None
    resource_link_id: str | None
    resource_link_title: str | None
    custom: dict[str, str] = field(default_factory=dict)
    ags: AgsEndpoint | None = None
    nrps_url: str | None = None
    deep_linking: dict[str, Any] | None = None
    for_user_sub: str | None = None
    return_url: str | None = None


def _text(value: Any, limit: int = 255) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    """The strings of a claim that must be a list (a platform may send anything)."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def display_name(body: dict[str, Any]) -> str | None:
    name = _text(body.get("name"))
    if name:
        return name
    parts = [_text(body.get("given_name")), _text(body.get("family_name"))]
    joined = " ".join(p for p in parts if p)
    return joined or None


def launch_context(body: dict[str, Any], client_id: str) -> LaunchContext:
    roles = _strings(body.get(ROLES))
    context = _dict(body.get(CONTEXT))
    resource_link = _dict(body.get(RESOURCE_LINK))
    presentation = _dict(body.get(LAUNCH_PRESENTATION))
    custom = {
        str(k).lower(): str(v)[:1024]
        for k, v in _dict(body.get(CUSTOM)).items()
        if isinstance(v, str | int | float)
    }
    ags_claim = _dict(body.get(AGS_ENDPOINT))
    ags = None
    if ags_claim:
        ags = AgsEndpoint(
            lineitem=_text(ags_claim.get("lineitem"), 2048),
            lineitems=_text(ags_claim.get("lineitems"), 2048),
            scopes=_strings(ags_claim.get("scope")),
        )
    message_type = body.get(MESSAGE_TYPE, "")
    for_user = _dict(body.get(FOR_USER))
    return LaunchContext(
        issuer=body["iss"],
        client_id=client_id,
        deployment_id=body[DEPLOYMENT_ID],
        message_type=message_type,
        sub=str(body["sub"]),
        roles=roles,
        staff=is_staff(list(roles)),
        test_user=TEST_USER_ROLE in roles,
        display_name=display_name(body),
        locale=_text(presentation.get("locale"), 32) or _text(body.get("locale"), 32),
        context_id=_text(context.get("id")),
        context_title=_text(context.get("title")),
        context_label=_text(context.get("label")),
        resource_link_id=_text(resource_link.get("id")),
        resource_link_title=_text(resource_link.get("title")),
        custom=custom,
        ags=ags,
        nrps_url=_text(_dict(body.get(NRPS)).get("context_memberships_url"), 2048),
        deep_linking=_dict(body.get(DEEP_LINKING_SETTINGS)) or None,
        for_user_sub=_text(for_user.get("user_id")),
        return_url=_text(presentation.get("return_url"), 2048),
    )
