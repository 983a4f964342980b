"""The learner's country: which country's law, services and contacts a page teaches.

Reporting duties, the specialist service to call and access to care differ between the partner
countries, so an attempt is played in one country (fixed when it begins; the built-in ``country``
of the condition language, docs/case-format.md). The learner's own choice wins; without one, the
activity's setting, then the platform's, then the launch locale's region (``nl-BE``), then the
usual country of the language.
"""

from __future__ import annotations

from flask import Flask
from flask import g
from sqlalchemy import Connection
from sqlalchemy import select
from sqlalchemy import update

from lti_tool.i18n import case_text
from lti_tool.library import library
from lti_tool.lti.models import LearnerAccount
from lti_tool.simulation.country import known

COUNTRY_OF_LANGUAGE = {"el": "gr", "it": "it", "de": "de", "nl": "nl", "fr": "fr"}


def country_of_locale(locale: str | None) -> str:
    """``nl_BE`` → ``be`` (its region), ``el`` → ``gr`` (the language's usual country)."""
    language, _, region = (locale or "").partition("_")
    return known(region.lower()) or COUNTRY_OF_LANGUAGE.get(language, "")


def default_country(
    learner_choice: str | None, link_country: str | None, platform_country: str | None
) -> str:
    """The country a page starts with ('' when none is known)."""
    return (
        known(learner_choice)
        or known(link_country)
        or known(platform_country)
        or country_of_locale(str(g.get("locale") or ""))
    )


def country_names() -> dict[str, str]:
    """Each country of the referral directory with its name in the page's language."""
    return {
        code: case_text.translate(f"referral/{code}/name", directory.name)
        for code, directory in library().referrals.items()
    }


def init_app(app: Flask) -> None:
    app.jinja_env.globals["country_names"] = country_names


def learner_country(db: Connection, learner_id: int) -> str | None:
    """The country the learner chose last time, if any."""
    return db.execute(
        select(LearnerAccount.preferred_country).where(LearnerAccount.id == learner_id)
    ).scalar()


def remember_country(db: Connection, learner_id: int, country: str) -> None:
    db.execute(
        update(LearnerAccount)
        .where(LearnerAccount.id == learner_id)
        .values(preferred_country=known(country) or None)
    )
