"""The checks the sandbox's registration endpoint makes on a tool's client metadata (LTI
Dynamic Registration 1.0, §3.3 and §3.5: OpenID Connect client metadata plus the LTI tool
configuration). Each failure names the field, as the error_description of the answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


class InvalidMetadata(ValueError):
    """The metadata cannot be registered; the message says why."""


def absolute_url(value: object) -> bool:
    if not isinstance(value, str) or not value or len(value) > 2048 or value != value.strip():
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _strings(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidMetadata(f"{name} must be a list of strings")
    return value


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """Check the metadata; answer its LTI tool configuration object."""
    if data.get("application_type") != "web":
        raise InvalidMetadata('application_type must be "web"')
    if "id_token" not in _strings(data, "response_types"):
        raise InvalidMetadata('response_types must contain "id_token"')
    if not {"implicit", "client_credentials"} <= set(_strings(data, "grant_types")):
        raise InvalidMetadata('grant_types must contain "implicit" and "client_credentials"')
    for name in ("initiate_login_uri", "jwks_uri"):
        if not absolute_url(data.get(name)):
            raise InvalidMetadata(f"{name} must be an absolute http(s) URL")
    redirect_uris = _strings(data, "redirect_uris")
    if not redirect_uris or not all(absolute_url(uri) for uri in redirect_uris):
        raise InvalidMetadata("redirect_uris must be a non-empty list of absolute http(s) URLs")
    if data.get("token_endpoint_auth_method") != "private_key_jwt":
        raise InvalidMetadata('token_endpoint_auth_method must be "private_key_jwt"')
    if "scope" in data and not isinstance(data["scope"], str):
        raise InvalidMetadata("scope must be a string of space-separated scopes")
    tool = data.get(TOOL_CONFIGURATION)
    if not isinstance(tool, dict):
        raise InvalidMetadata(f"{TOOL_CONFIGURATION} must be an object")
    if not isinstance(tool.get("domain"), str) or not tool["domain"].strip():
        raise InvalidMetadata("the tool configuration's domain is required")
    if not absolute_url(tool.get("target_link_uri")):
        raise InvalidMetadata("the tool configuration's target_link_uri must be an absolute URL")
    messages = tool.get("messages", [])
    if not isinstance(messages, list) or not all(
        isinstance(message, dict) and isinstance(message.get("type"), str) and message["type"]
        for message in messages
    ):
        raise InvalidMetadata("the tool configuration's messages must be objects with a type")
    return tool
