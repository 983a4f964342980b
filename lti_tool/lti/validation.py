"""Validation of an id_token, on pylti1p3's MessageLaunch where it is right and around it where
it is not.

pylti1p3 supplies the JWT format decoding, the registration lookup through our ``ToolConf``, and
the per-message-type claim validators. We replace: the order (nothing is written before every
check passed; the nonce is consumed last, by the caller, in the launch's own transaction), the
signature check (RS256 only, ``aud``/``azp`` rules, clock-skew leeway, cached key objects, one
refetch on an unknown ``kid``) and the deployment check (accept-and-record or reject policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.request import Request

from lti_tool.http import http_session
from lti_tool.lti import claims
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.platform_keys import PlatformKeyError
from lti_tool.lti.registrations import DeploymentRecord
from lti_tool.lti.registrations import RegistrationRecord
from lti_tool.lti.tool_conf import DbToolConf

MAX_ID_TOKEN_LENGTH = 64 * 1024
MAX_ID_LENGTH = 255
OBJECT_CLAIMS = (
    claims.CONTEXT,
    claims.RESOURCE_LINK,
    claims.CUSTOM,
    claims.LAUNCH_PRESENTATION,
    claims.AGS_ENDPOINT,
    claims.NRPS,
    claims.DEEP_LINKING_SETTINGS,
    claims.FOR_USER,
)


def storable(value: Any) -> bool:
    """Whether every string in a decoded JSON value (keys too) can be stored and logged: no NUL
    (PostgreSQL refuses it) and no unpaired surrogate (UTF-8 cannot encode it). Iterative, so a
    deeply nested token costs no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodable(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _drop_null_objects(body: dict[str, Any]) -> None:
    """An object claim sent as ``null`` is read as absent (pylti1p3 expects an object or
    nothing; the message's own rules then say whether it was required)."""
    for name in OBJECT_CLAIMS:
        if name in body and body[name] is None:
            del body[name]


class LaunchRejected(Exception):
    """A launch we refuse. ``code`` picks the translated explanation; ``detail`` is for logs."""

    def __init__(self, code: str, detail: str, status: int = 400) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status


class FormRequest(Request):
    def __init__(self, form: dict[str, str], secure: bool) -> None:
        self._form = form
        self._secure = secure

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str:
        return self._form.get(key, "")


class _Unused:
    """pylti1p3 insists on session and cookie services; this launch never uses them."""


@dataclass(frozen=True, slots=True)
class ValidatedLaunch:
    body: dict[str, Any]
    registration: RegistrationRecord
    deployment: DeploymentRecord | None  # None: new deployment accepted by policy
    context: claims.LaunchContext


class ToolMessageLaunch(MessageLaunch):  # type: ignore[type-arg]
    def __init__(
        self,
        request: FormRequest,
        tool_conf: DbToolConf,
        keys: PlatformKeyCache,
        leeway: int,
        default_policy: str,
    ) -> None:
        super().__init__(
            request,
            tool_conf,
            session_service=_Unused(),  # type: ignore[arg-type]
            cookie_service=_Unused(),  # type: ignore[arg-type]
            requests_session=http_session(),
        )
        self._keys = keys
        self._leeway = leeway
        self._default_policy = default_policy
        self._deployment: DeploymentRecord | None = None
        self._record: RegistrationRecord | None = None

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    # -- the order of checks ---------------------------------------------------------------

    def validate_launch(self) -> ValidatedLaunch:
        self._validated = True  # stop pylti1p3's getters from re-running validate()
        token = self._get_request_param("id_token")
        if not token:
            raise LaunchRejected("malformed", "no id_token in the request")
        if len(token) > MAX_ID_TOKEN_LENGTH:
            raise LaunchRejected("malformed", "id_token too large", 413)
        self._step("malformed", self.validate_jwt_format)
        header = self._jwt.get("header")
        body = self._jwt.get("body")
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise LaunchRejected("malformed", "JWT header or body is not an object")
        if not storable(header) or not storable(body):
            raise LaunchRejected("malformed", "a claim holds a NUL or an unpaired surrogate")
        _drop_null_objects(body)
        alg = header.get("alg")
        if alg != "RS256":
            raise LaunchRejected("signature", f"algorithm {str(alg)[:16]!r} is not allowed")
        if not isinstance(header.get("kid"), str) or not header["kid"]:
            raise LaunchRejected("signature", "no kid in the JWT header")
        if not isinstance(body.get("iss"), str) or not body["iss"]:
            raise LaunchRejected("registration", "no iss claim")
        client_id = self.get_client_id()
        self._step("registration", self.validate_registration)
        self._record = self._tool_config.record(body["iss"], client_id)
        self.validate_jwt_signature()
        self.validate_deployment()
        self._check_message(body)
        assert self._record is not None
        return ValidatedLaunch(
            body=body,
            registration=self._record,
            deployment=self._deployment,
            context=claims.launch_context(body, client_id),
        )

    def unverified_body(self) -> dict[str, Any]:
        body = self._jwt.get("body")
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _step(code: str, check: Any) -> None:
        try:
            check()
        except LtiException as exc:
            raise LaunchRejected(code, str(exc)[:200]) from exc

    # -- the checks we replace ---------------------------------------------------------------

    def get_client_id(self) -> str:
        body = self._jwt.get("body", {})
        aud, azp = body.get("aud"), body.get("azp")
        if azp is not None and not isinstance(azp, str):
            raise LaunchRejected("audience", "azp is not a string")
        if isinstance(aud, str) and aud:
            if azp is not None and azp != aud:
                raise LaunchRejected("audience", "azp does not match aud")
            return aud
        if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
            if azp is None:
                if len(aud) == 1:
                    return aud[0]
                raise LaunchRejected("audience", "several audiences and no azp")
            if azp not in aud:
                raise LaunchRejected("audience", "azp is not one of the audiences")
            return azp
        raise LaunchRejected("audience", "no usable aud claim")

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        assert self._record is not None
        kid = self._jwt["header"]["kid"]
        try:
            key = self._keys.key_for(self._record.key_set_url, kid)
        except PlatformKeyError as exc:
            raise LaunchRejected("signature", f"platform key: {exc}") from exc
        try:
            jwt.decode(
                self._get_id_token(),
                key,
                algorithms=["RS256"],
                audience=self._record.client_id,
                issuer=self._record.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError) as exc:
            raise LaunchRejected("expired", str(exc)) from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchRejected("audience", str(exc)) from exc
        except jwt.InvalidIssuerError as exc:
            raise LaunchRejected("registration", str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchRejected("signature", f"{type(exc).__name__}: {exc}"[:200]) from exc
        return self

    def validate_deployment(self) -> ToolMessageLaunch:
        assert self._record is not None
        deployment_id = self._jwt["body"].get(claims.DEPLOYMENT_ID)
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchRejected("claims", "deployment_id claim missing")
        if len(deployment_id) > MAX_ID_LENGTH:
            raise LaunchRejected("claims", "deployment_id too long")
        self._deployment = self._tool_config.deployment(self._record, deployment_id)
        if self._deployment is None:
            policy = self._record.deployment_policy or self._default_policy
            if policy != "accept":
                raise LaunchRejected("deployment", "unknown deployment_id (policy: reject)", 403)
        return self

    def _check_message(self, body: dict[str, Any]) -> None:
        message_type = body.get(claims.MESSAGE_TYPE)
        if not message_type:
            raise LaunchRejected("claims", "message_type claim missing")
        if message_type not in claims.SUPPORTED_MESSAGE_TYPES:
            raise LaunchRejected("unsupported", f"message type {str(message_type)[:64]!r}")
        if body.get(claims.VERSION) is None:
            raise LaunchRejected("claims", "version claim missing")
        for name in OBJECT_CLAIMS:
            value = body.get(name)
            if value is not None and not isinstance(value, dict):
                raise LaunchRejected("claims", f"{name.rsplit('/', 1)[1]} claim is not an object")
        for name in (claims.CONTEXT, claims.RESOURCE_LINK):
            claim_id = (body.get(name) or {}).get("id")
            if claim_id is not None and (
                not isinstance(claim_id, str) or len(claim_id) > MAX_ID_LENGTH
            ):
                raise LaunchRejected("claims", f"{name.rsplit('/', 1)[1]} id is not valid")
        if not isinstance(body.get("nonce"), str) or not body["nonce"]:
            raise LaunchRejected("claims", "nonce claim missing")
        if body.get(claims.ROLES) is None:
            raise LaunchRejected("claims", "roles claim missing")
        if not isinstance(body[claims.ROLES], list):
            raise LaunchRejected("claims", "roles claim is not a list")
        if not body.get("sub"):
            raise LaunchRejected("claims", "sub claim missing")
        if not isinstance(body["sub"], str) or len(body["sub"]) > MAX_ID_LENGTH:
            raise LaunchRejected("claims", "sub is not a string of at most 255 characters")
        if message_type == claims.DATA_PRIVACY_LAUNCH:
            return  # pylti1p3 knows only the draft's name; the common claims are checked above
        self._step("claims", self.validate_message)
