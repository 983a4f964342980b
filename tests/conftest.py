"""Fixtures: a migrated database per test (SQLite file, or the PostgreSQL server when
``LTI_TOOL_TEST_DATABASE_URL`` names it), the tool's keys, and a live tool with the sandbox."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lti_tool import migrate
from lti_tool.lti.key_files import ensure_key
from tests.support.live import LiveTool
from tests.support.live import live_tool
from tests.support.live import truncate_all

SERVER_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL", "")
# Under pytest-xdist each worker gets a database of its own on the same server (test_gw0, ...)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
POSTGRES_URL = (
    make_url(SERVER_URL).set(database=f"{make_url(SERVER_URL).database}_{_WORKER}")
    .render_as_string(hide_password=False)
    if SERVER_URL.startswith("postgresql") and _WORKER
    else SERVER_URL
)  # fmt: skip


def _is_postgres() -> bool:
    return POSTGRES_URL.startswith("postgresql")


def _create_worker_database() -> None:
    """The worker's own database, created on the server once (CREATE DATABASE is not
    transactional: AUTOCOMMIT)."""
    name = make_url(POSTGRES_URL).database
    server = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs() -> None:
    """The tests read the .mo files built from the committed .po files (as pip install does)."""
    from lti_tool.i18n.catalogs import compile_all

    compile_all()


@pytest.fixture(scope="session", autouse=True)
def _worker_database() -> None:
    if _is_postgres() and POSTGRES_URL != SERVER_URL:
        _create_worker_database()


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the migrations once; tests then copy (SQLite) or truncate (PostgreSQL)."""
    if _is_postgres():
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = create_engine(f"sqlite:///{template}")
    migrate.upgrade(engine)
    engine.dispose()
    return str(template)


@pytest.fixture
def database_url(_migrated: str, tmp_path: Path) -> str:
    if _is_postgres():
        engine = create_engine(_migrated)
        truncate_all(engine)
        engine.dispose()
        return _migrated
    target = tmp_path / "tool.sqlite3"
    shutil.copyfile(_migrated, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def _shared_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys") / "keys"
    ensure_key(directory)
    return directory


@pytest.fixture
def keys_dir(_shared_keys: Path, tmp_path: Path) -> Path:
    target = tmp_path / "keys"
    shutil.copytree(_shared_keys, target)
    return target


@pytest.fixture
def tool(database_url: str, tmp_path: Path, keys_dir: Path) -> Iterator[LiveTool]:
    with live_tool(database_url, tmp_path, keys_dir) as live:
        yield live


@pytest.fixture
def cross_site_tool(database_url: str, tmp_path: Path, keys_dir: Path) -> Iterator[LiveTool]:
    with live_tool(database_url, tmp_path, keys_dir, cross_site=True) as live:
        yield live


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.support.chromium import ARGS
    from tests.support.chromium import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
