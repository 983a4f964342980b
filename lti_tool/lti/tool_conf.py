"""pylti1p3 reads registrations and deployments from our database through this class."""

from __future__ import annotations

from typing import Any

from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy.orm import Session

from lti_tool.lti.keys import Keyring
from lti_tool.lti.registrations import DeploymentRecord
from lti_tool.lti.registrations import RegistrationCache
from lti_tool.lti.registrations import RegistrationRecord


class DbToolConf(ToolConfAbstract):  # type: ignore[type-arg]
    """Always keyed by (issuer, client_id): one issuer may have many client ids (Canvas)."""

    def __init__(self, session: Session, cache: RegistrationCache, keyring: Keyring) -> None:
        super().__init__()
        self._session = session
        self._cache = cache
        self._keyring = keyring
        self._records: dict[tuple[str, str | None], RegistrationRecord] = {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def record(self, iss: str, client_id: str | None) -> RegistrationRecord | None:
        key = (iss, client_id)
        if key not in self._records:
            found = self._cache.registration(self._session, iss, client_id)
            if found is None:
                return None
            self._records[key] = found
        return self._records[key]

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        found = self.record(iss, client_id)
        if found is None:
            raise LtiException("Registration not found.")
        registration = (
            Registration()
            .set_issuer(found.issuer)
            .set_client_id(found.client_id)
            .set_auth_login_url(found.auth_login_url)
            .set_auth_token_url(found.auth_token_url)
            .set_key_set_url(found.key_set_url)
        )
        if found.auth_audience:
            registration.set_auth_audience(found.auth_audience)
        return registration

    def deployment(self, record: RegistrationRecord, deployment_id: str) -> DeploymentRecord | None:
        return self._cache.deployment(self._session, record.id, deployment_id)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        found = self.record(iss, client_id)
        if found is None or self.deployment(found, deployment_id) is None:
            return None
        return Deployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any) -> Any:
        return self._keyring.jwks()
