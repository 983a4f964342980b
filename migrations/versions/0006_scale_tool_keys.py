"""the tool's signing keys in the database (stateless hosts); the launch's correlation id on
grade deliveries (observability)

Revision ID: 0006_scale
Revises: 0006_grading
Create Date: 2026-12-07 21:40:00
"""

from alembic import op
import sqlalchemy as sa
import lti_tool.db


revision = '0006_scale'
down_revision = '0006_grading'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tool_key',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('private_key', sa.Text(), nullable=False),
    sa.Column('created_at', lti_tool.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', lti_tool.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_tool_key'))
    )


    with op.batch_alter_table('score_delivery') as batch:
        batch.add_column(sa.Column('correlation_id', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('score_delivery') as batch:
        batch.drop_column('correlation_id')
    op.drop_table('tool_key')
