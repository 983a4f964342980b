"""attempt.country: the country whose law and services an attempt is played in

Revision ID: 0007
Revises: 0006_scale
Create Date: 2026-12-08 01:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # attempts begun before countries were known have none (NULL): their pages use the default
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('country', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('country')
