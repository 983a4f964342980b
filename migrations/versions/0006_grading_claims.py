"""grade delivery: claims with owners, unknown outcomes, refusal reasons, service grants

Revision ID: 0006_grading
Revises: 0006_lms
Create Date: 2026-12-07 21:40:00
"""

from alembic import op
import sqlalchemy as sa
import lti_tool.db


revision = '0006_grading'
down_revision = '0006_lms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('score_delivery') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('outcome_unknown', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column('reason', sa.String(length=32), nullable=True))
    op.create_table('service_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=255), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.String(length=255), nullable=True),
    sa.Column('checked_at', lti_tool.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_service_grant_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_grant')),
    sa.UniqueConstraint('registration_id', 'scope', name=op.f('uq_service_grant_registration_id_scope'))
    )


def downgrade() -> None:
    op.drop_table('service_grant')
    with op.batch_alter_table('score_delivery') as batch:
        batch.drop_column('reason')
        batch.drop_column('outcome_unknown')
        batch.drop_column('claimed_by')
