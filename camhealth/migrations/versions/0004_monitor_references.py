"""monitor: each camera's reference view as a packed Sample, beside the registry's JPEG

The monitor no longer keeps samples in memory (66 kB a camera): it reads a camera's last sample
and its reference's sample from the store at each picture. The reference's Sample is made once,
when the view is taken or first read from the registry, instead of decoding the JPEG again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitor_references",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sample", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("camera_id"),
    )


def downgrade() -> None:
    op.drop_table("monitor_references")
