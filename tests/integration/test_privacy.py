"""Learners' data: export one, delete one (no row names them afterwards), purge by retention.
On SQLite and on PostgreSQL (LTI_TOOL_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update

from lti_tool import privacy
from lti_tool.db import utcnow
from lti_tool.grading.models import ScoreDelivery
from lti_tool.learner.models import Attempt
from lti_tool.lti.models import LearnerAccount
from lti_tool.models import metadata
from tests.integration.test_cli import LTI_TOOL
from tests.integration.test_grades import deliver
from tests.integration.test_learner import PATHS
from tests.integration.test_learner import Learner
from tests.support.browsing import page_of
from tests.support.live import KEY_ENCRYPTION_KEY


def _learner(tool, name: str) -> LearnerAccount:
    with tool.session() as session:
        return session.scalar(select(LearnerAccount).where(LearnerAccount.display_name == name))


def _rows_naming(tool, learner: LearnerAccount) -> list[tuple[str, dict]]:
    """Every row of every table that holds the learner's user id, name or account id."""
    found = []
    with tool.session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                text = json.dumps({k: str(v) for k, v in row.items()})
                holds_id = any(
                    row[c.name] == learner.id
                    for c in table.columns
                    if any(fk.column.table.name == "learner_account" for fk in c.foreign_keys)
                    or (table.name == "learner_account" and c.name == "id")
                )
                if learner.sub in text or (learner.display_name or "\\0") in text or holds_id:
                    found.append((table.name, dict(row)))
    return found


def _play_two(tool) -> tuple[LearnerAccount, LearnerAccount]:
    Learner(tool, name="Privacy Person").play(PATHS["taken-away"])
    Learner(tool, name="Other Person").play(PATHS["taken-away"])
    while deliver(tool):
        pass
    return _learner(tool, "Privacy Person"), _learner(tool, "Other Person")


def _cli(tool, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": tool.app.config["DATABASE_URL"],
           "LTI_TOOL_INSTANCE_PATH": str(tool.app.instance_path),
           "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY}  # fmt: skip
    env.pop("REDIS_URL", None)
    result = subprocess.run([LTI_TOOL, "data", *args], env=env, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_export_then_delete_one_learner_leaves_no_row_naming_them(tool):
    person, other = _play_two(tool)
    assert _rows_naming(tool, person)

    exported = json.loads(_cli(tool, "export", "--issuer", tool.issuer, "--sub", person.sub).stdout)
    assert exported["learner"]["sub"] == person.sub
    assert exported["learner"]["display_name"] == "Privacy Person"
    assert [a["status"] for a in exported["attempts"]] == ["completed"]
    assert exported["attempts"][0]["path"]
    assert {d["kind"] for d in exported["grade_deliveries"]} <= {"started", "completed"}
    assert exported["grade_deliveries"]

    out = _cli(tool, "delete", "--issuer", tool.issuer, "--sub", person.sub, "--yes").stdout
    assert out.startswith("deleted 1 learner, 1 attempts")

    assert _rows_naming(tool, person) == []
    assert _rows_naming(tool, other)  # the other learner is untouched
    with tool.session() as session:
        assert session.scalar(select(Attempt).where(Attempt.learner_id == other.id)) is not None


def test_purge_removes_what_retention_no_longer_allows(tool):
    person, other = _play_two(tool)
    long_ago = utcnow() - timedelta(days=privacy.DAYS_PER_MONTH * 25)
    with tool.session() as session:
        session.execute(update(Attempt).where(Attempt.learner_id == person.id)
                        .values(updated_at=long_ago))  # fmt: skip
        session.execute(update(LearnerAccount).where(LearnerAccount.id == person.id)
                        .values(created_at=long_ago))  # fmt: skip
        session.execute(update(ScoreDelivery).where(ScoreDelivery.learner_id == other.id)
                        .values(created_at=utcnow() - timedelta(days=31)))  # fmt: skip
        session.commit()

    out = _cli(tool, "purge").stdout
    assert "removed 1 attempts, 1 learners" in out

    assert _rows_naming(tool, person) == []
    with tool.session() as session:
        assert session.scalar(select(Attempt).where(Attempt.learner_id == other.id)) is not None
        # the other learner's delivered grades were older than 30 days: gone; attempt kept
        assert session.scalars(select(ScoreDelivery)).all() == []
        assert session.get(LearnerAccount, other.id) is not None


def test_a_grade_still_waiting_is_never_purged(tool):
    _play_two(tool)
    long_ago = utcnow() - timedelta(days=privacy.DAYS_PER_MONTH * 25)
    with tool.session() as session:
        session.execute(update(ScoreDelivery).values(status="pending", created_at=long_ago))
        session.commit()
        removed = privacy.purge(session, utcnow(), 24, 30)
        session.commit()
        assert removed.deliveries == 0
        assert session.scalars(select(ScoreDelivery)).all()


def _privacy_launch(tool, message_type: str, locale: str = "en"):
    from tests.support.browsing import LTI
    from tests.support.browsing import REMOVE
    from tests.support.browsing import HostilePlatform

    return HostilePlatform(tool).launch(**{
        LTI + "message_type": message_type,
        LTI + "resource_link": REMOVE,
        LTI + "context": REMOVE,
        LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"],
        LTI + "for_user": {"user_id": "learner-1"},
        LTI + "launch_presentation": {"locale": locale},
    })  # fmt: skip


def test_a_data_privacy_launch_shows_what_is_kept_and_for_how_long(tool):
    page = _privacy_launch(tool, "LtiDataPrivacyLaunchRequest")
    assert page.status_code == 200, page.text
    assert page_of(page) == "privacy"
    assert "What this tool keeps about learners" in page.text
    assert "24 months after they were last used" in page.text
    assert "after 30 days" in page.text
    # the draft's message name, as some platforms send it, opens the same page, translated
    greek = _privacy_launch(tool, "DataPrivacyLaunchRequest", locale="el")
    assert greek.status_code == 200, greek.text
    assert "Τι κρατά αυτό το εργαλείο" in greek.text


def test_the_admin_page_exports_and_deletes_one_learner(tool):
    from tests.integration.test_admin import admin_user
    from tests.integration.test_admin import sign_in
    from tests.support.browsing import parse

    person, other = _play_two(tool)
    admin_user(tool)
    http, overview = sign_in(tool)
    form = next(f for f in parse(overview.text).forms if f.action.endswith("/admin/learner/export"))
    fields = {"csrf": form.fields["csrf"], "issuer": tool.issuer, "sub": person.sub}
    base = tool.base_url + "/admin/learner/"

    exported = http.post(base + "export", data=fields, timeout=15)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert exported.json()["learner"]["display_name"] == "Privacy Person"

    unknown = http.post(base + "export", data={**fields, "sub": "nobody"}, timeout=15)
    assert unknown.status_code == 404
    assert "No learner of that platform has this user ID." in unknown.text
    unconfirmed = http.post(base + "delete", data=fields, timeout=15)
    assert unconfirmed.status_code == 400 and _rows_naming(tool, person)
    forged = http.post(base + "delete", data={**fields, "csrf": "x", "confirm": "yes"}, timeout=15)
    assert forged.status_code == 400 and _rows_naming(tool, person)

    deleted = http.post(base + "delete", data={**fields, "confirm": "yes"}, timeout=15)
    assert deleted.status_code == 200
    assert "The learner's account, attempts and grade deliveries are deleted." in deleted.text
    assert _rows_naming(tool, person) == []
    assert _rows_naming(tool, other)
