"""ledger, payouts and the wallet: double-entry accounts, journals and entries; payout requests;
orders remember what the wallet paid and what went back to it

Revision ID: lg01
Revises: 0008
Create Date: 2026-11-25 18:48:33.231052
"""
import sqlalchemy as sa
from alembic import op

revision = 'lg01'
down_revision = '0008'
branch_labels = None
depends_on = None

SCHEMAS = ("ledger", "payouts")

# Whatever code writes entries, a journal that does not sum to zero per currency cannot commit; and
# booked money is never edited or deleted (a mistake is corrected by another journal).
LEDGER_RULES = '''
CREATE FUNCTION ledger.check_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger.entry WHERE journal_id = NEW.journal_id
               GROUP BY currency HAVING sum(amount) <> 0) THEN
        RAISE EXCEPTION 'ledger journal % does not balance', NEW.journal_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER entry_journal_balanced AFTER INSERT ON ledger.entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger.check_journal_balanced();
CREATE FUNCTION ledger.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger.% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE ON ledger.entry
    FOR EACH ROW EXECUTE FUNCTION ledger.reject_change();
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON ledger.journal
    FOR EACH ROW EXECUTE FUNCTION ledger.reject_change();
'''


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    op.create_table('account',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('normal_sign', sa.SmallInteger(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=True),
    sa.Column('no_overdraft', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT no_overdraft OR (balance IS NOT NULL AND balance * normal_sign >= 0)', name=op.f('ck_account_no_overdraft')),
    sa.CheckConstraint('normal_sign IN (1, -1)', name=op.f('ck_account_normal_sign_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('code', name=op.f('uq_account_code')),
    sa.UniqueConstraint('id', 'currency', name=op.f('uq_account_id_currency')),
    schema='ledger'
    )
    op.create_index('ix_account_owner_kind', 'account', ['owner_id', 'kind'], unique=False, schema='ledger')
    op.create_table('journal',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal')),
    sa.UniqueConstraint('key', name=op.f('uq_journal_key')),
    schema='ledger'
    )
    op.create_index('ix_journal_reference', 'journal', ['reference'], unique=False, schema='ledger')
    op.create_table('order_position',
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('buyer_id', sa.UUID(), nullable=False),
    sa.Column('seller_id', sa.UUID(), nullable=True),
    sa.Column('escrowed', sa.BigInteger(), nullable=False),
    sa.Column('refunded', sa.BigInteger(), nullable=False),
    sa.Column('refunded_to_wallet', sa.BigInteger(), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('commission_bps', sa.SmallInteger(), nullable=True),
    sa.Column('wallet_released', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('escrowed >= 0 AND refunded >= 0 AND refunded_to_wallet >= 0 AND refunded_to_wallet <= refunded', name=op.f('ck_order_position_amounts_sane')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_order_position')),
    schema='ledger'
    )
    op.create_table('payout',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('seller_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('bank_reference', sa.String(length=100), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.UUID(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by', sa.UUID(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'paid' OR (bank_reference IS NOT NULL AND paid_at IS NOT NULL)", name=op.f('ck_payout_paid_has_reference')),
    sa.CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name=op.f('ck_payout_rejected_has_reason')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'paid', 'rejected', 'cancelled')", name=op.f('ck_payout_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payout_amount_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout')),
    sa.UniqueConstraint('bank_reference', name=op.f('uq_payout_bank_reference')),
    schema='payouts'
    )
    op.create_index('ix_payout_seller', 'payout', ['seller_id', 'requested_at', 'id'], unique=False, schema='payouts')
    op.create_index('ix_payout_status', 'payout', ['status', 'requested_at', 'id'], unique=False, schema='payouts')
    op.create_table('entry',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('journal_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_entry_amount_not_zero')),
    sa.ForeignKeyConstraint(['account_id', 'currency'], ['ledger.account.id', 'ledger.account.currency'], name='fk_entry_account_currency'),
    sa.ForeignKeyConstraint(['journal_id'], ['ledger.journal.id'], name=op.f('fk_entry_journal_id_journal'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
    schema='ledger'
    )
    op.create_index('ix_entry_account', 'entry', ['account_id', 'id'], unique=False, schema='ledger')
    op.create_index(op.f('ix_entry_journal_id'), 'entry', ['journal_id'], unique=False, schema='ledger')
    op.add_column('order', sa.Column('wallet_amount', sa.BigInteger(), server_default='0', nullable=False), schema='orders')
    op.add_column('order', sa.Column('refunded_to_wallet', sa.BigInteger(), server_default='0', nullable=False), schema='orders')
    op.create_check_constraint(op.f('ck_order_wallet_within_total'), 'order',
                               'wallet_amount >= 0 AND wallet_amount <= total', schema='orders')
    op.create_check_constraint(op.f('ck_order_wallet_refunds_within_refunds'), 'order',
                               'refunded_to_wallet >= 0 AND refunded_to_wallet <= refunded_amount', schema='orders')
    op.execute(LEDGER_RULES)


def downgrade() -> None:
    op.drop_constraint(op.f('ck_order_wallet_refunds_within_refunds'), 'order', schema='orders', type_='check')
    op.drop_constraint(op.f('ck_order_wallet_within_total'), 'order', schema='orders', type_='check')
    op.drop_column('order', 'refunded_to_wallet', schema='orders')
    op.drop_column('order', 'wallet_amount', schema='orders')
    op.drop_index(op.f('ix_entry_journal_id'), table_name='entry', schema='ledger')
    op.drop_index('ix_entry_account', table_name='entry', schema='ledger')
    op.drop_table('entry', schema='ledger')
    op.drop_index('ix_payout_status', table_name='payout', schema='payouts')
    op.drop_index('ix_payout_seller', table_name='payout', schema='payouts')
    op.drop_table('payout', schema='payouts')
    op.drop_table('order_position', schema='ledger')
    op.drop_index('ix_journal_reference', table_name='journal', schema='ledger')
    op.drop_table('journal', schema='ledger')
    op.drop_index('ix_account_owner_kind', table_name='account', schema='ledger')
    op.drop_table('account', schema='ledger')
    op.execute("DROP FUNCTION ledger.check_journal_balanced(), ledger.reject_change()")
    for schema in SCHEMAS:
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}"')
