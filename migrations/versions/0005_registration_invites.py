"""registration invites (LTI Dynamic Registration)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 19:00:00
"""

from alembic import op
import sqlalchemy as sa
import lti_tool.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registration_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', lti_tool.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lti_tool.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lti_tool.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_registration_invite_registration_id_registration'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_invite')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_registration_invite_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('registration_invite')
