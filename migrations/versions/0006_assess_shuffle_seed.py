"""attempt.shuffle_seed: the seed of the order in which an attempt shows each decision's options

Revision ID: 0006_assess
Revises: 0005
Create Date: 2026-12-07 21:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_assess'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # attempts begun before shuffling keep the written order (NULL)
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('shuffle_seed', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('shuffle_seed')
