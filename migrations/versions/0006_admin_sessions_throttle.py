"""admin session versions (revocable sessions) and throttle counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 21:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('admin_user') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                   server_default='0'))
    op.create_table('throttle_counter',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_counter'))
    )


def downgrade() -> None:
    op.drop_table('throttle_counter')
    with op.batch_alter_table('admin_user') as batch:
        batch.drop_column('session_version')
