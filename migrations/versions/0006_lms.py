"""lms: the platform's own case for a link, and a display name per registration

Revision ID: 0006_lms
Revises: 0006_assess
Create Date: 2026-12-07 21:45:00

``resource_link.platform_case_id`` is the platform's custom ``case_id`` the tool last saw for the
link: a launch adopts the platform's value only when it differs from this one, so a case the
teacher chose in the tool stands until the platform's own setting changes. Existing links took
their case from the platform, so it starts as their case.

``registration.name`` (and the scopes and claims the platform granted at registration) belong
to one registration: a second client id of a known issuer no longer renames the others.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_lms'
down_revision = '0006_assess'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resource_link') as batch:
        batch.add_column(sa.Column('platform_case_id', sa.String(length=64), nullable=True))
    op.execute('UPDATE resource_link SET platform_case_id = case_id')
    with op.batch_alter_table('registration') as batch:
        batch.add_column(sa.Column('name', sa.String(length=255), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('claims', sa.JSON(), nullable=True))
    op.execute(
        'UPDATE registration SET name = '
        '(SELECT platform.name FROM platform WHERE platform.id = registration.platform_id)'
    )


def downgrade() -> None:
    with op.batch_alter_table('registration') as batch:
        batch.drop_column('claims')
        batch.drop_column('scopes')
        batch.drop_column('name')
    with op.batch_alter_table('resource_link') as batch:
        batch.drop_column('platform_case_id')
