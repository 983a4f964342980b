"""Platform registrations: the administrator's commands and the lookups a launch makes.

Lookups return frozen records and are cached per process for a few seconds
(``REGISTRATION_CACHE_SECONDS``): a launch must not pay two queries for data that changes a few
times a year. Only found registrations are cached, so a new registration works at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from lti_tool.lti.models import Deployment
from lti_tool.lti.models import Platform
from lti_tool.lti.models import Registration


class RegistrationError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RegistrationRecord:
    id: int
    platform_id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None
    deployment_policy: str | None
    platform_default_locale: str | None
    platform_default_country: str | None


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    id: int
    deployment_id: str


def _record(reg: Registration) -> RegistrationRecord:
    return RegistrationRecord(
        id=reg.id,
        platform_id=reg.platform_id,
        issuer=reg.platform.issuer,
        client_id=reg.client_id,
        auth_login_url=reg.auth_login_url,
        auth_token_url=reg.auth_token_url,
        key_set_url=reg.key_set_url,
        auth_audience=reg.auth_audience,
        deployment_policy=reg.deployment_policy,
        platform_default_locale=reg.platform.default_locale,
        platform_default_country=reg.platform.default_country,
    )


class RegistrationCache:
    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._lock = threading.Lock()
        self._registrations: dict[tuple[str, str | None], tuple[float, RegistrationRecord]] = {}
        self._deployments: dict[tuple[int, str], tuple[float, DeploymentRecord]] = {}

    def registration(
        self, session: Session, issuer: str, client_id: str | None
    ) -> RegistrationRecord | None:
        key = (issuer, client_id)
        hit = self._registrations.get(key)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        record = find_registration(session, issuer, client_id)
        if record is not None and self._ttl > 0:
            with self._lock:
                self._registrations[key] = (time.monotonic(), record)
        return record

    def deployment(
        self, session: Session, registration_id: int, deployment_id: str
    ) -> DeploymentRecord | None:
        key = (registration_id, deployment_id)
        hit = self._deployments.get(key)
        if hit and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        row = session.scalar(
            select(Deployment).where(
                Deployment.registration_id == registration_id,
                Deployment.deployment_id == deployment_id,
            )
        )
        if row is None:
            return None
        record = DeploymentRecord(row.id, row.deployment_id)
        if self._ttl > 0:
            with self._lock:
                self._deployments[key] = (time.monotonic(), record)
        return record

    def clear(self) -> None:
        with self._lock:
            self._registrations.clear()
            self._deployments.clear()


def find_registration(
    session: Session, issuer: str, client_id: str | None
) -> RegistrationRecord | None:
    """The registration for (issuer, client_id); without a client_id, the issuer's only one."""
    query = (
        select(Registration)
        .join(Registration.platform)
        .where(Platform.issuer == issuer)
        .options(selectinload(Registration.platform))
    )
    if client_id:
        reg = session.scalar(query.where(Registration.client_id == client_id))
        return _record(reg) if reg else None
    regs = session.scalars(query.limit(2)).all()
    return _record(regs[0]) if len(regs) == 1 else None


def _check_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistrationError(f"{name} must be an absolute http(s) URL, got {value!r}")
    return value


def add_registration(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: list[str],
    name: str = "",
    auth_audience: str | None = None,
    deployment_policy: str | None = None,
    default_locale: str | None = None,
    default_country: str | None = None,
) -> Registration:
    """Create the registration, or update it in place when (issuer, client_id) exists."""
    if not issuer.strip() or not client_id.strip():
        raise RegistrationError("issuer and client_id must not be empty")
    if deployment_policy not in (None, "accept", "reject"):
        raise RegistrationError("deployment policy must be 'accept' or 'reject'")
    for label, url in (
        ("--auth-login-url", auth_login_url),
        ("--auth-token-url", auth_token_url),
        ("--key-set-url", key_set_url),
    ):
        _check_url(label, url)
    platform = session.scalar(select(Platform).where(Platform.issuer == issuer))
    if platform is None:  # the platform's name is the first registration's; each has its own
        platform = Platform(issuer=issuer, name=(name or issuer)[:255])
        session.add(platform)
    if default_locale is not None:
        platform.default_locale = default_locale or None
    if default_country is not None:
        platform.default_country = default_country.lower() or None
    session.flush()
    reg = session.scalar(
        select(Registration).where(
            Registration.platform_id == platform.id, Registration.client_id == client_id
        )
    )
    if reg is None:
        reg = Registration(platform=platform, client_id=client_id, name=name[:255])
        session.add(reg)
    elif name:
        reg.name = name[:255]
    reg.auth_login_url = auth_login_url
    reg.auth_token_url = auth_token_url
    reg.key_set_url = key_set_url
    reg.auth_audience = auth_audience
    reg.deployment_policy = deployment_policy
    session.flush()
    known = {d.deployment_id for d in reg.deployments}
    for deployment_id in deployment_ids:
        if deployment_id not in known:
            reg.deployments.append(Deployment(deployment_id=deployment_id, origin="registered"))
            known.add(deployment_id)
    session.flush()
    return reg


def list_registrations(session: Session) -> list[Registration]:
    return list(
        session.scalars(
            select(Registration)
            .join(Registration.platform)
            .options(selectinload(Registration.platform), selectinload(Registration.deployments))
            .order_by(Platform.issuer, Registration.client_id)
        )
    )


def remove_registration(session: Session, issuer: str, client_id: str) -> bool:
    reg = session.scalar(
        select(Registration)
        .join(Registration.platform)
        .where(Platform.issuer == issuer, Registration.client_id == client_id)
    )
    if reg is None:
        return False
    session.delete(reg)
    session.flush()
    return True
