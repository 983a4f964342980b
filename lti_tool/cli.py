"""``lti-tool``: a Flask CLI group over ``create_app`` (so ``lti-tool run`` and ``lti-tool routes``
work too), with the commands administrators and developers need."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext

from lti_tool import migrate
from lti_tool.app import create_app
from lti_tool.db import new_session
from lti_tool.lti import keys as tool_keys
from lti_tool.lti.dynamic_registration import clean_name
from lti_tool.lti.dynamic_registration import create_invite
from lti_tool.lti.dynamic_registration import open_invites
from lti_tool.lti.dynamic_registration import withdraw_invite
from lti_tool.lti.registrations import RegistrationError
from lti_tool.lti.registrations import add_registration
from lti_tool.lti.registrations import list_registrations
from lti_tool.lti.registrations import remove_registration
from lti_tool.simulation import Case
from lti_tool.simulation import Problem
from lti_tool.simulation.country import COUNTRIES


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=True)
def main() -> None:
    """AMELIE case simulations: an LTI 1.3 tool for Moodle and Canvas."""


def _engine(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["lti_tool.engine"]


# -- database -------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    migrate.upgrade(_engine(current_app), revision)
    click.echo(f"database at {migrate.current(_engine(current_app))}")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    migrate.downgrade(_engine(current_app), revision)
    click.echo(f"database at {migrate.current(_engine(current_app))}")


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's migration revision."""
    click.echo(migrate.current(_engine(current_app)) or "empty (run `lti-tool db upgrade`)")


# -- platforms ------------------------------------------------------------------------------


def _print_tool_urls(base: str) -> None:
    click.echo("Enter these on the platform's side:")
    click.echo(f"  Initiate login URL (OIDC login):   {base}/lti/login")
    click.echo(f"  Redirection URI / target link URI: {base}/lti/launch")
    click.echo(f"  Public keyset URL (JWKS):          {base}/lti/jwks.json")
    click.echo(f"  Deep linking / content selection:  {base}/lti/launch")
    click.echo(f"  Canvas configuration URL (Developer Keys > LTI Key > Enter URL): "
               f"{base}/lti/canvas.json")  # fmt: skip


def _base_url_or_hint() -> str:
    base = current_app.config["BASE_URL"]
    if not base:
        click.echo(
            "LTI_TOOL_BASE_URL is not set; showing http://127.0.0.1:5000. "
            "Set it to the tool's public https:// address.",
            err=True,
        )
        return "http://127.0.0.1:5000"
    return str(base)


@main.group()
def platform() -> None:
    """Register LMS platforms (Moodle, Canvas, …)."""


@platform.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: its wwwroot).")
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True, help="The platform's OIDC auth endpoint.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth2 token endpoint.")
@click.option("--key-set-url", required=True, help="The platform's public keyset (JWKS) URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True)
@click.option("--name", default="", help="A name for administrators.")
@click.option("--audience", default=None, help="Token endpoint audience, if not its URL.")
@click.option(
    "--deployment-policy",
    type=click.Choice(["accept", "reject"]),
    default=None,
    help="Unknown deployment ids of this registration: accept and record, or reject.",
)
@click.option("--default-locale", default=None, help="Language when a launch names none.")
@click.option("--default-country", default=None, type=click.Choice(["", *COUNTRIES]),
              help="Country whose law, services and contacts the cases teach (gr, be, …).")  # fmt: skip
@with_appcontext
def platform_add(
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: tuple[str, ...],
    name: str,
    audience: str | None,
    deployment_policy: str | None,
    default_locale: str | None,
    default_country: str | None,
) -> None:
    """Register a platform, or update its registration in place."""
    session = new_session(current_app)
    try:
        add_registration(
            session,
            issuer=issuer,
            client_id=client_id,
            auth_login_url=auth_login_url,
            auth_token_url=auth_token_url,
            key_set_url=key_set_url,
            deployment_ids=list(deployment_ids),
            name=name,
            auth_audience=audience,
            deployment_policy=deployment_policy,
            default_locale=default_locale,
            default_country=default_country,
        )
        session.commit()
    except RegistrationError as exc:
        session.rollback()
        raise click.UsageError(str(exc)) from exc
    finally:
        session.close()
    click.echo(f"registered {issuer} (client id {client_id})")
    _print_tool_urls(_base_url_or_hint())


@platform.command("invite")
@click.option("--name", default="", help="A name for administrators (the platform's by default).")
@click.option("--hours", type=click.IntRange(1, 24 * 30), default=72, show_default=True,
              help="How long the link can be used.")  # fmt: skip
@with_appcontext
def platform_invite(name: str, hours: int) -> None:
    """Make a one-time link for LTI Dynamic Registration (Moodle, Canvas)."""
    session = new_session(current_app)
    try:
        token = create_invite(session, name, timedelta(hours=hours))
        session.commit()
    finally:
        session.close()
    base = _base_url_or_hint()
    click.echo(f"Registration link (one use, valid {hours} hours):")
    click.echo(f"  {base}/lti/register/{token}")
    click.echo("Enter it on the platform:")
    click.echo("  Moodle: Site administration > Plugins > Activity modules > External tool > "
               "Manage tools > Tool URL, then Add LTI Advantage")  # fmt: skip
    click.echo("  Canvas: Admin > Developer Keys > + Developer Key > + LTI Registration")
    click.echo("Keep it private: whoever has it can register a platform with the tool.")


@platform.command("invites")
@with_appcontext
def platform_invites() -> None:
    """List the registration links that can still be used."""
    session = new_session(current_app)
    try:
        invites = open_invites(session)
        for item in invites:
            click.echo(f"#{item.id}  {clean_name(item.name) or '-'}  made {item.created_at:%Y-%m-%d %H:%M} "
                       f"UTC, valid until {item.expires_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip
        if not invites:
            click.echo("no registration link can be used (see `lti-tool platform invite`)")
    finally:
        session.close()


@platform.command("withdraw-invite")
@click.argument("invite_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def platform_withdraw_invite(invite_id: int) -> None:
    """Make an unused registration link unusable."""
    session = new_session(current_app)
    try:
        withdrawn = withdraw_invite(session, invite_id)
        session.commit()
    finally:
        session.close()
    if not withdrawn:
        raise click.ClickException(f"no registration link #{invite_id} can be used")
    click.echo(f"registration link #{invite_id} withdrawn")


@platform.command("list")
@with_appcontext
def platform_list() -> None:
    """List registrations and their deployments."""
    session = new_session(current_app)
    try:
        registrations = list_registrations(session)
        if not registrations:
            click.echo("no platforms registered (see `lti-tool platform add --help`)")
        for reg in registrations:
            policy = reg.deployment_policy or current_app.config["DEPLOYMENT_POLICY"]
            click.echo(f"{reg.platform.issuer}  client_id={reg.client_id}  name={reg.display_name}")
            click.echo(f"  login:  {reg.auth_login_url}")
            click.echo(f"  token:  {reg.auth_token_url}")
            click.echo(f"  jwks:   {reg.key_set_url}")
            click.echo(f"  unknown deployments: {policy}")
            for dep in reg.deployments:
                marker = " (accepted from a launch)" if dep.origin == "auto" else ""
                click.echo(f"  deployment {dep.deployment_id}{marker}")
    finally:
        session.close()


@platform.command("remove")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@with_appcontext
def platform_remove(issuer: str, client_id: str) -> None:
    """Remove a registration (and everything recorded under it)."""
    session = new_session(current_app)
    try:
        removed = remove_registration(session, issuer, client_id)
        session.commit()
    finally:
        session.close()
    if not removed:
        raise click.ClickException(f"no registration for {issuer} with client id {client_id}")
    click.echo(f"removed {issuer} (client id {client_id})")


@main.command("urls")
@with_appcontext
def urls() -> None:
    """Print the URLs a platform administrator enters for this tool."""
    _print_tool_urls(_base_url_or_hint())


# -- keys -----------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """The tool's signing keys (published at /lti/jwks.json)."""


def _key_session():  # type: ignore[no-untyped-def]
    """A session in which the old ``keys/`` folder's keys are already imported."""
    from lti_tool.lti.runtime import key_cipher

    session = new_session(current_app)
    session.begin()
    try:
        tool_keys.import_directory(
            session, key_cipher(current_app.config), Path(current_app.config["KEYS_DIR"])
        )
    except tool_keys.KeyStoreError as exc:
        session.close()
        raise click.ClickException(str(exc)) from None
    return session


def _cipher():  # type: ignore[no-untyped-def]
    from lti_tool.lti.runtime import key_cipher

    return key_cipher(current_app.config)


@keys.command("generate")
@with_appcontext
def keys_generate() -> None:
    """Create a signing key when none is current."""
    with _key_session() as session:
        try:
            info = tool_keys.ensure_key(session, _cipher(), current_app.config["KEY_BITS"])
        except tool_keys.KeyStoreError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"current key {info.kid}")


@keys.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Create a new signing key; the previous one stays published for the grace period."""
    with _key_session() as session:
        try:
            new, retired = tool_keys.rotate(session, _cipher(), current_app.config["KEY_BITS"])
        except tool_keys.KeyStoreError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"new current key {new.kid}")
    for info in retired:
        click.echo(
            f"retired {info.kid}: still in the JWKS for "
            f"{current_app.config['KEY_GRACE_HOURS']} hours"
        )


@keys.command("list")
@with_appcontext
def keys_list() -> None:
    """List keys: current, retired but published, retired."""
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    grace = timedelta(hours=current_app.config["KEY_GRACE_HOURS"])
    now = datetime.now(UTC)
    with _key_session() as session:
        infos = tool_keys.list_keys(session)
        session.commit()
    for info in infos:
        if info.retired_at is None:
            status = "current"
        elif info.is_published(now, grace):
            status = f"retired {info.retired_at:%Y-%m-%d %H:%M}, published until grace ends"
        else:
            status = f"retired {info.retired_at:%Y-%m-%d %H:%M}"
        click.echo(f"{info.kid}  created {info.created_at:%Y-%m-%d %H:%M}  {status}")


@keys.command("new-encryption-key")
def keys_new_encryption_key() -> None:
    """Print a new key for LTI_TOOL_KEY_ENCRYPTION_KEY (nothing is stored)."""
    click.echo(tool_keys.KeyCipher.new_key())


@keys.command("reencrypt")
@with_appcontext
def keys_reencrypt() -> None:
    """Encrypt every stored private key under the first LTI_TOOL_KEY_ENCRYPTION_KEY."""
    with _key_session() as session:
        try:
            count = tool_keys.reencrypt(session, _cipher())
        except tool_keys.KeyStoreError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"re-encrypted {count} keys")


# -- personal data --------------------------------------------------------------------------


@main.group()
def data() -> None:
    """Learners' data: retention purge, export and deletion of one learner."""


def _learner_or_fail(session, issuer: str, sub: str):  # type: ignore[no-untyped-def]
    from lti_tool import privacy

    learner = privacy.find_learner(session, issuer, sub)
    if learner is None:
        raise click.ClickException("no learner with this issuer and user id")
    return learner


@data.command("export")
@click.option("--issuer", required=True, help="the platform's issuer")
@click.option("--sub", "sub", required=True, help="the learner's user id at that platform")
@with_appcontext
def data_export(issuer: str, sub: str) -> None:
    """Print everything the tool keeps about one learner, as JSON."""
    import json

    from lti_tool import privacy

    with new_session(current_app) as session:
        exported = privacy.export_learner(session, _learner_or_fail(session, issuer, sub))
    click.echo(json.dumps(exported, indent=2, ensure_ascii=False))


@data.command("delete")
@click.option("--issuer", required=True, help="the platform's issuer")
@click.option("--sub", "sub", required=True, help="the learner's user id at that platform")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@with_appcontext
def data_delete(issuer: str, sub: str, yes: bool) -> None:
    """Delete one learner: account, attempts and grade deliveries (grades already in the
    platform's gradebook stay there)."""
    from lti_tool import privacy

    with new_session(current_app) as session:
        learner = _learner_or_fail(session, issuer, sub)
        if not yes:
            click.confirm("Delete this learner and all their attempts?", abort=True)
        removed = privacy.delete_learner(session, learner.id)
        session.commit()
    click.echo(f"deleted 1 learner, {removed.attempts} attempts, "
               f"{removed.deliveries} grade deliveries")  # fmt: skip


@data.command("purge")
@click.option(
    "--months",
    type=int,
    default=None,
    help="attempts untouched this long (default LTI_TOOL_RETENTION_MONTHS)",
)
@with_appcontext
def data_purge(months: int | None) -> None:
    """Remove what the retention settings no longer allow to keep (run it daily)."""
    from lti_tool import privacy
    from lti_tool.db import utcnow

    config = current_app.config
    months = config["RETENTION_MONTHS"] if months is None else months
    if months < 1:
        raise click.ClickException("the retention must be at least one month")
    with new_session(current_app) as session:
        removed = privacy.purge(session, utcnow(), months, config["DELIVERED_RETENTION_DAYS"])
        session.commit()
    click.echo(f"removed {removed.attempts} attempts, {removed.learners} learners, "
               f"{removed.deliveries} grade deliveries")  # fmt: skip


# -- administrators ---------------------------------------------------------------------------


@main.group()
def admin() -> None:
    """Administrator accounts for the /admin pages."""


@admin.command("create-user")
@click.argument("username")
@click.password_option(help="At least 12 characters; asked for when not given.")
@with_appcontext
def admin_create_user(username: str, password: str) -> None:
    """Create an administrator, or set a new password for an existing one."""
    from lti_tool.admin.auth import create_user

    session = new_session(current_app)
    try:
        create_user(session, username, password)
        session.commit()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        session.close()
    click.echo(f"administrator {username} can sign in at /admin/login")


# -- cases ----------------------------------------------------------------------------------


@main.group(cls=click.Group)  # content only: no app, no database, no keys
def cases() -> None:
    """Case files."""


@cases.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--table-markdown",
    is_flag=True,
    help="Print only the gameability table, in Markdown (for docs/assessment.md).",
)
@click.option("--no-table", is_flag=True, help="Print the problems only.")
def cases_check(paths: tuple[Path, ...], table_markdown: bool, no_table: bool) -> None:
    """Validate the shipped cases (or the given files and folders); print the gameability of
    each case (docs/assessment.md), then every problem as file:line: node: message. Exit
    status 0 only when all are valid."""
    from lti_tool.paths import TRANSLATIONS_DIR
    from lti_tool.simulation.check import run

    table = "markdown" if table_markdown else "none" if no_table else "text"
    sys.exit(run(list(paths), sys.stdout, table=table, translations=TRANSLATIONS_DIR,
                 more_checks=_referral_problems))  # fmt: skip


def _referral_problems(cases: Mapping[str, Case]) -> list[Problem]:
    """The referral directory's problems, then country notes the cases name but it lacks."""
    from lti_tool.paths import CASES_DIR
    from lti_tool.referrals import ReferralsInvalid
    from lti_tool.referrals import load_directory
    from lti_tool.referrals import unknown_notes

    try:
        directories = load_directory(CASES_DIR / "referral")
    except ReferralsInvalid as error:
        return error.problems
    return unknown_notes(cases, directories)


@cases.command("stale")
@click.option("--months", default=12, show_default=True, type=click.IntRange(0, 600),
              help="List what was last checked longer ago than this.")  # fmt: skip
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Count from this date instead of today (YYYY-MM-DD).")  # fmt: skip
@click.option("--strict", is_flag=True, help="Exit with status 1 when anything is stale.")
def cases_stale(months: int, today: datetime | None, strict: bool) -> None:
    """List referral entries and country notes last checked more than MONTHS months ago, with
    how they were checked (against a stored copy of the source, or live)."""
    from datetime import date

    from lti_tool.paths import PACKAGE_DIR
    from lti_tool.referrals import ReferralsInvalid
    from lti_tool.referrals import load_directory
    from lti_tool.referrals import stale

    try:
        directories = load_directory(PACKAGE_DIR / "cases" / "referral")
    except ReferralsInvalid as error:
        raise click.ClickException(f"the referral directory is invalid:\n{error}") from None
    found = stale(directories, today.date() if today else date.today(), months)
    for item in found:
        click.echo(f"{item.country}\t{item.item}\tchecked {item.checked_on.isoformat()}"
                   f" ({item.checked_how})")  # fmt: skip
    click.echo(f"{len(found)} stale (older than {months} months)", err=True)
    if strict and found:
        sys.exit(1)


# -- grades ---------------------------------------------------------------------------------


@main.group()
def grades() -> None:
    """Grade passback (the score outbox)."""


@grades.command("work")
@click.option("--batch", default=100, show_default=True, help="Deliveries claimed at a time.")
@click.option("--until-empty", is_flag=True, help="Exit when nothing is due (for cron and tests).")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between idle checks.")
@with_appcontext
def grades_work(batch: int, until_empty: bool, poll: float) -> None:
    """Deliver queued scores; run as many of these processes as you like."""
    import signal
    import threading

    from lti_tool.db import utcnow

    deliverer = current_app.extensions["lti_tool.deliverer"]
    logging.getLogger("lti_tool.grades").info("grade worker %s started", deliverer.worker_id)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    delivered = 0
    while not stop.is_set():
        try:
            claimed = deliverer.run_once(batch)
        except Exception:  # a database hiccup: its claims come back when their lease ends
            if until_empty:
                raise
            logging.getLogger("lti_tool.grades").exception("grade worker pass failed")
            stop.wait(poll)
            continue
        delivered += claimed
        if claimed:
            continue
        due = deliverer.next_due()
        if until_empty and (due is None or (due - utcnow()).total_seconds() > poll * 5):
            break
        wait = poll if due is None else max(0.05, min(poll, (due - utcnow()).total_seconds()))
        stop.wait(wait)
    click.echo(f"worked through {delivered} deliveries")


@grades.command("status")
@with_appcontext
def grades_status() -> None:
    """Counts of pending, delivered and failed scores, the oldest pending one's age, what is
    waiting and what was refused (with the likely cause)."""
    from lti_tool.db import utcnow
    from lti_tool.grading import outbox
    from lti_tool.grading.reasons import describe

    session = new_session(current_app)
    try:
        report = outbox.status(session)
        for name, number in report.counts.items():
            click.echo(f"{name:13} {number}")
        age = report.oldest_pending_age(utcnow())
        click.echo("oldest pending " + ("-" if age is None else f"{age:.0f} s"))
        for row in outbox.waiting(session, limit=20):
            click.echo(f"waiting #{row.id}: try {row.tries + 1} at "
                       f"{row.next_try_at:%Y-%m-%d %H:%M:%S} UTC; last answer: HTTP "
                       f"{row.last_status or '-'}" + _cause(describe(row.reason)))  # fmt: skip
        for failure in outbox.failures(session, limit=20):
            click.echo(f"failed #{failure.id}: HTTP {failure.last_status}: {failure.last_error}"
                       + _cause(describe(failure.reason)))  # fmt: skip
    finally:
        session.close()


def _cause(words: str | None) -> str:
    return f" ({words})" if words else ""


@grades.command("resend")
@click.argument("ids", nargs=-1, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Resend every failed delivery.")
@click.option("--pending", "all_pending", is_flag=True,
              help="Send every waiting delivery now, without the rest of its back-off.")  # fmt: skip
@with_appcontext
def grades_resend(ids: tuple[int, ...], all_failed: bool, all_pending: bool) -> None:
    """Send deliveries again now: refused ones back into the queue, waiting ones without the
    rest of their back-off."""
    from lti_tool.db import utcnow
    from lti_tool.grading import outbox

    session = new_session(current_app)
    try:
        chosen = list(ids)
        if all_failed:
            chosen += [f.id for f in outbox.failures(session, limit=10_000)]
        if all_pending:
            chosen += [w.id for w in outbox.waiting(session, limit=10_000)]
        count = outbox.resend(session, chosen, utcnow())
        session.commit()
    finally:
        session.close()
    click.echo(f"queued {count} " + ("delivery" if count == 1 else "deliveries") + " again")


# -- translations ---------------------------------------------------------------------------


@main.group(cls=click.Group)  # files only: no app, no database, no keys
def i18n() -> None:
    """Translation catalogs (see docs/translating.md)."""


@i18n.command("extract")
def i18n_extract() -> None:
    """Write translations/messages.pot and translations/cases.pot from the sources."""
    from lti_tool.i18n import catalogs

    catalogs.write_templates()
    click.echo("templates written")


@i18n.command("update")
def i18n_update() -> None:
    """Extract, then merge the templates into every language's .po files."""
    from lti_tool.i18n import catalogs

    catalogs.write_templates()
    catalogs.update_languages()
    click.echo("catalogs updated")


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile every .po file into the .mo file the tool reads."""
    from lti_tool.i18n import catalogs

    for path in catalogs.compile_all():
        click.echo(f"compiled {path}")


@i18n.command("glossary")
def i18n_glossary() -> None:
    """Write docs/glossary.md from the glossary files in translations/."""
    from lti_tool.i18n import catalogs

    catalogs.GLOSSARY_DOC.write_text(catalogs.glossary_markdown(), "utf-8")
    click.echo(f"wrote {catalogs.GLOSSARY_DOC}")


@i18n.command("check")
@click.option("--language", "languages", multiple=True, help="Check only these languages.")
def i18n_check(languages: tuple[str, ...]) -> None:
    """Fail unless extraction is current and every catalog is complete, unfuzzy, compilable and
    keeps the placeholders of its source."""
    from lti_tool.i18n import catalogs

    findings = catalogs.check(languages or catalogs.LANGUAGES)
    for finding in findings:
        click.echo(str(finding))
    click.echo(f"{len(findings)} problem{'s' if len(findings) != 1 else ''}")
    sys.exit(1 if findings else 0)


# -- demo -----------------------------------------------------------------------------------


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Migrate a SQLite database, create keys, register the sandbox platform and serve."""
    from lti_tool.sandbox.demo import run_demo

    sys.exit(run_demo(host, port))


if __name__ == "__main__":  # pragma: no cover
    main()
