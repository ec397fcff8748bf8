from commerce.core.errors import ValidationFailed


class InsufficientWalletBalance(ValidationFailed):
    code = "insufficient_wallet_balance"
    title = "The wallet balance does not cover this amount"


class WalletAmountExceedsTotal(ValidationFailed):
    code = "wallet_amount_exceeds_total"
    title = "The wallet amount is more than the checkout's total"
