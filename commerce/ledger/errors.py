from commerce.core.errors import DomainError, ValidationFailed


class InsufficientFunds(ValidationFailed):
    """The account would go below zero. Raised before anything is written; the caller's transaction
    rolls back with it."""

    code = "insufficient_funds"
    title = "The balance does not cover this amount"


class UnbalancedJournal(DomainError):
    """A programming error, never a user's: the lines of a journal must sum to zero per currency."""

    code = "unbalanced_journal"
    kind = "bad_request"
    title = "Journal lines do not balance"
