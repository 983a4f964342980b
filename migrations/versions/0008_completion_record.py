"""completion_record: records of completion issued for attempts, found by their code's digest

Revision ID: 0008_record
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from alembic import op
import sqlalchemy as sa
import lti_tool.db


revision = '0008_record'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('completion_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', lti_tool.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_completion_record_attempt_id_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_completion_record')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_completion_record_code_digest'))
    )
    with op.batch_alter_table('completion_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completion_record_attempt_id'), ['attempt_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('completion_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_completion_record_attempt_id'))
    op.drop_table('completion_record')
