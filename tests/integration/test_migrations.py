"""The schema comes from migrations: they match the models, and they go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy import inspect

from lti_tool import migrate
from lti_tool.models import metadata


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_migrations_go_down_and_up(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'updown.sqlite3'}")
    migrate.upgrade(engine)
    assert "score_delivery" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) is not None
    engine.dispose()


def test_a_database_url_with_an_encoded_password_reaches_alembic_intact():
    from sqlalchemy import create_engine

    from lti_tool.migrate import alembic_config

    url = "postgresql+psycopg://amelie:p%40ss%25word@127.0.0.1:5432/test"
    engine = create_engine(url)
    try:
        assert alembic_config(engine).get_main_option("sqlalchemy.url") == url
    finally:
        engine.dispose()
