"""The Deep Linking response: a signed JWT the browser posts back to the platform."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from lti_tool.learner.policy import AttemptPolicy
from lti_tool.lti.keys import Keyring
from lti_tool.lti.registrations import RegistrationRecord
from lti_tool.public_urls import origin
from lti_tool.simulation import Case

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@dataclass(frozen=True, slots=True)
class DeepLinkSettings:
    return_url: str
    data: str | None
    accept_types: tuple[str, ...]
    accept_multiple: bool
    accept_targets: tuple[str, ...]

    @classmethod
    def from_claim(cls, claim: dict[str, Any]) -> DeepLinkSettings | None:
        url = claim.get("deep_link_return_url")
        if not isinstance(url, str) or not origin(url):
            return None
        types = _list(claim.get("accept_types"))
        targets = _list(claim.get("accept_presentation_document_targets"))
        data = claim.get("data")
        return cls(
            return_url=url,
            data=data if isinstance(data, str) else None,
            accept_types=tuple(t for t in types if isinstance(t, str)),
            accept_multiple=claim.get("accept_multiple", True) is not False,
            accept_targets=tuple(t for t in targets if isinstance(t, str)),
        )

    @property
    def accepts_links(self) -> bool:
        return "ltiResourceLink" in self.accept_types


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def content_item(case: Case, title: str, text: str, launch_url: str, policy: AttemptPolicy
                 ) -> dict[str, Any]:  # fmt: skip
    """One ``ltiResourceLink``: the case id and the settings travel in ``custom`` (resource link
    ids change when a course is copied, custom parameters do not; Moodle lower-cases their
    names), and the ``lineItem`` makes the platform create a gradebook column."""
    custom = {
        "case_id": case.id,
        "grade_from": policy.grade_from,
        "feedback": policy.feedback,
        "score_maximum": f"{policy.score_maximum:g}",
    }
    if policy.attempts_allowed is not None:
        custom["attempts_allowed"] = str(policy.attempts_allowed)
    if policy.pass_mark is not None:
        custom["pass_mark"] = f"{policy.pass_mark:g}"
    if policy.country is not None:
        custom["country"] = policy.country
    return {
        "type": "ltiResourceLink",
        "title": title,
        "text": text,
        "url": launch_url,
        "custom": custom,
        "lineItem": {
            "scoreMaximum": policy.score_maximum,
            "label": title,
            "resourceId": case.id,
            "tag": "amelie-case",
        },
        "iframe": {"src": launch_url, "width": 1000, "height": 800},
    }


def response_jwt(keyring: Keyring, registration: RegistrationRecord, deployment_id: str,
                 settings: DeepLinkSettings, items: list[dict[str, Any]]) -> str:  # fmt: skip
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": registration.client_id,
        "aud": registration.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": deployment_id,
        DL + "content_items": items,
    }
    if settings.data is not None:
        claims[DL + "data"] = settings.data
    key = keyring.signing_key()
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
