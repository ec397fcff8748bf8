"""Money is an integer number of minor units with a currency; IDR has no minor unit in practice, so
amounts are whole rupiah. Floats never touch money."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CURRENCY = "IDR"


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError("currency must be an ISO 4217 code")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int):
            raise TypeError("multiply money by an int quantity; use allocate() for ratios")
        return Money(self.amount * factor, self.currency)

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split without losing a rupiah: remainders go to the first shares."""
        total = sum(ratios)
        if total <= 0:
            raise ValueError("ratios must sum to a positive number")
        shares = [self.amount * r // total for r in ratios]
        for i in range(self.amount - sum(shares)):
            shares[i % len(shares)] += 1
        return [Money(s, self.currency) for s in shares]
