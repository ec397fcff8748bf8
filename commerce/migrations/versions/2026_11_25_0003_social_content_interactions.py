"""social graph, posts and their engagement, the interaction log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:43:40.340609
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


SCHEMAS = ("social", "content", "interactions")

# The interaction log is the analytics and ranking source of truth: rows are facts, never edited.
APPEND_ONLY = '''
CREATE FUNCTION interactions.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'interactions.interaction is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER interaction_append_only BEFORE UPDATE OR DELETE ON interactions.interaction
    FOR EACH ROW EXECUTE FUNCTION interactions.reject_change();
'''


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    op.create_table('post',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('like_count', sa.BigInteger(), nullable=False),
    sa.Column('comment_count', sa.BigInteger(), nullable=False),
    sa.Column('save_count', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'deleted')", name=op.f('ck_post_status_known')),
    sa.CheckConstraint('like_count >= 0 AND comment_count >= 0 AND save_count >= 0', name=op.f('ck_post_counts_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post')),
    schema='content'
    )
    op.create_index('ix_post_active_created', 'post', ['created_at', 'id'], unique=False, schema='content', postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_post_author_created', 'post', ['author_id', 'created_at', 'id'], unique=False, schema='content')
    op.create_table('interaction',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('surface', sa.String(length=20), nullable=True),
    sa.Column('position', sa.SmallInteger(), nullable=True),
    sa.Column('post_id', sa.UUID(), nullable=True),
    sa.Column('product_id', sa.UUID(), nullable=True),
    sa.Column('variant_id', sa.UUID(), nullable=True),
    sa.Column('order_id', sa.UUID(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interaction')),
    schema='interactions'
    )
    op.create_index('ix_interaction_occurred_brin', 'interaction', ['occurred_at'], unique=False, schema='interactions', postgresql_using='brin')
    op.create_index('ix_interaction_post_type', 'interaction', ['post_id', 'event_type'], unique=False, schema='interactions', postgresql_where=sa.text('post_id IS NOT NULL'))
    op.create_index('ix_interaction_user_occurred', 'interaction', ['user_id', 'occurred_at'], unique=False, schema='interactions')
    op.create_index('uq_interaction_user_event', 'interaction', ['user_id', 'event_id'], unique=True, schema='interactions')
    op.create_table('block',
    sa.Column('blocker_id', sa.UUID(), nullable=False),
    sa.Column('blocked_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('blocker_id <> blocked_id', name=op.f('ck_block_not_self')),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_block')),
    schema='social'
    )
    op.create_index('ix_block_blocked', 'block', ['blocked_id', 'blocker_id'], unique=False, schema='social')
    op.create_table('follow',
    sa.Column('follower_id', sa.UUID(), nullable=False),
    sa.Column('followee_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('follower_id <> followee_id', name=op.f('ck_follow_not_self')),
    sa.PrimaryKeyConstraint('follower_id', 'followee_id', name=op.f('pk_follow')),
    schema='social'
    )
    op.create_index('ix_follow_followee_created', 'follow', ['followee_id', 'created_at', 'follower_id'], unique=False, schema='social')
    op.create_index('ix_follow_follower_created', 'follow', ['follower_id', 'created_at', 'followee_id'], unique=False, schema='social')
    op.create_table('comment',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'deleted')", name=op.f('ck_comment_status_known')),
    sa.ForeignKeyConstraint(['parent_id'], ['content.comment.id'], name=op.f('fk_comment_parent_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['content.post.id'], name=op.f('fk_comment_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment')),
    schema='content'
    )
    op.create_index('ix_comment_post_created', 'comment', ['post_id', 'created_at', 'id'], unique=False, schema='content')
    op.create_table('post_hashtag',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['content.post.id'], name=op.f('fk_post_hashtag_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'tag', name=op.f('pk_post_hashtag')),
    schema='content'
    )
    op.create_index('ix_post_hashtag_tag_created', 'post_hashtag', ['tag', 'created_at', 'post_id'], unique=False, schema='content')
    op.create_table('post_image',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['content.post.id'], name=op.f('fk_post_image_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'position', name=op.f('pk_post_image')),
    schema='content'
    )
    op.create_table('post_like',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['content.post.id'], name=op.f('fk_post_like_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_like')),
    schema='content'
    )
    op.create_index('ix_post_like_user_created', 'post_like', ['user_id', 'created_at'], unique=False, schema='content')
    op.create_table('post_product_tag',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('variant_id', sa.UUID(), nullable=True),
    sa.Column('image_index', sa.SmallInteger(), nullable=True),
    sa.Column('x', sa.Float(), nullable=True),
    sa.Column('y', sa.Float(), nullable=True),
    sa.CheckConstraint('(x IS NULL) = (y IS NULL)', name=op.f('ck_post_product_tag_xy_together')),
    sa.CheckConstraint('x IS NULL OR (x BETWEEN 0 AND 1 AND y BETWEEN 0 AND 1)', name=op.f('ck_post_product_tag_xy_in_unit_square')),
    sa.ForeignKeyConstraint(['post_id'], ['content.post.id'], name=op.f('fk_post_product_tag_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'position', name=op.f('pk_post_product_tag')),
    schema='content'
    )
    op.create_index('ix_post_product_tag_product', 'post_product_tag', ['product_id'], unique=False, schema='content')
    op.create_table('post_save',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['content.post.id'], name=op.f('fk_post_save_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_save')),
    schema='content'
    )
    op.create_index('ix_post_save_user_created', 'post_save', ['user_id', 'created_at'], unique=False, schema='content')
    op.add_column('user_profile', sa.Column('followers_count', sa.BigInteger(), server_default='0', nullable=False), schema='users')
    op.add_column('user_profile', sa.Column('following_count', sa.BigInteger(), server_default='0', nullable=False), schema='users')
    op.add_column('user_profile', sa.Column('posts_count', sa.BigInteger(), server_default='0', nullable=False), schema='users')
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS interaction_append_only ON interactions.interaction")
    op.execute("DROP FUNCTION IF EXISTS interactions.reject_change()")
    op.drop_column('user_profile', 'posts_count', schema='users')
    op.drop_column('user_profile', 'following_count', schema='users')
    op.drop_column('user_profile', 'followers_count', schema='users')
    op.drop_index('ix_post_save_user_created', table_name='post_save', schema='content')
    op.drop_table('post_save', schema='content')
    op.drop_index('ix_post_product_tag_product', table_name='post_product_tag', schema='content')
    op.drop_table('post_product_tag', schema='content')
    op.drop_index('ix_post_like_user_created', table_name='post_like', schema='content')
    op.drop_table('post_like', schema='content')
    op.drop_table('post_image', schema='content')
    op.drop_index('ix_post_hashtag_tag_created', table_name='post_hashtag', schema='content')
    op.drop_table('post_hashtag', schema='content')
    op.drop_index('ix_comment_post_created', table_name='comment', schema='content')
    op.drop_table('comment', schema='content')
    op.drop_index('ix_follow_follower_created', table_name='follow', schema='social')
    op.drop_index('ix_follow_followee_created', table_name='follow', schema='social')
    op.drop_table('follow', schema='social')
    op.drop_index('ix_block_blocked', table_name='block', schema='social')
    op.drop_table('block', schema='social')
    op.drop_index('uq_interaction_user_event', table_name='interaction', schema='interactions')
    op.drop_index('ix_interaction_user_occurred', table_name='interaction', schema='interactions')
    op.drop_index('ix_interaction_post_type', table_name='interaction', schema='interactions', postgresql_where=sa.text('post_id IS NOT NULL'))
    op.drop_index('ix_interaction_occurred_brin', table_name='interaction', schema='interactions', postgresql_using='brin')
    op.drop_table('interaction', schema='interactions')
    op.drop_index('ix_post_author_created', table_name='post', schema='content')
    op.drop_index('ix_post_active_created', table_name='post', schema='content', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('post', schema='content')
    for schema in reversed(SCHEMAS):
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}"')
