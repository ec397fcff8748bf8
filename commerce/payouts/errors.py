from commerce.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class PayoutNotFound(NotFound):
    code = "payout_not_found"
    title = "Payout not found"


class InsufficientBalance(ValidationFailed):
    code = "insufficient_balance"
    title = "The payout is more than the available balance"


class PayoutBelowMinimum(ValidationFailed):
    code = "payout_below_minimum"
    title = "The payout is below the minimum amount"


class InvalidPayoutTransition(Conflict):
    code = "invalid_payout_transition"
    title = "The payout cannot make that change from its current status"


class OwnPayout(Forbidden):
    code = "own_payout"
    title = "An admin cannot decide on their own payout"


class BankReferenceTaken(Conflict):
    code = "bank_reference_taken"
    title = "That bank reference already paid another payout"
