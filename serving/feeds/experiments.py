"""Deterministic experiment buckets for the ranked feeds.

A user's variant is a hash of (experiment name, user id): the same user always lands in the same
variant of an experiment, without storing assignments, and renaming the experiment reshuffles
everyone (a new experiment). Each variant reads its own list space of the published ranking
version — `control` the champion model's lists, `treatment` the challenger's when the retrain flow
published one — and every impression carries the variant, so the KPI marts can compare
click-through and conversion per variant.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Experiment:
    name: str = "ranking-v1"
    treatment_pct: float = 0.0  # 0 turns the experiment off: everyone is control
    control_space: str = "post"
    treatment_space: str = "post_challenger"

    def variant(self, user_id: uuid.UUID) -> str:
        if self.treatment_pct <= 0:
            return "control"
        digest = hashlib.blake2b(f"{self.name}:{user_id}".encode(), digest_size=8).digest()
        return "treatment" if int.from_bytes(digest, "big") % 10_000 < self.treatment_pct * 100 else "control"

    def space(self, variant: str) -> str:
        return self.treatment_space if variant == "treatment" else self.control_space
