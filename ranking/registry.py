"""A file-based model registry: every trained model versioned, one champion per kind, a guardrail.

Layout under the root the caller passes (default `var/models`):

    <root>/<kind>/                    kind: "post", "product", "reranker", "movielens", …
        <model_id>/meta.json          id, kind, family, created_at, params, data_window, metrics,
                                      holdout_metric, status, artifact, notes
        <model_id>/model.npz          factor models: user/item factors + the id maps (no pickle)
        <model_id>/model.pkl          the re-ranker (scikit-learn has no other persistence)
        champion.json                 {"model_id", "promoted_at", "metric", "value"}
        decisions.jsonl               one line per promotion attempt, promoted or not
        .lock                         serialises promotions of this kind

Model ids sort by creation time (`post-20250601T020000-a1b2c3`). Files are written to a temporary
name and renamed, so a reader never sees half a file; `champion.json` is the single source of
truth for what serves, and a crashed run can at worst leave an unreferenced model directory.

Guardrail: `promote` makes a candidate the champion only when its holdout metric beats the
champion's — preferably the champion re-scored on the *candidate's* holdout (`baseline=`), since
two retrains hold out different days — and, when given, the popularity baseline (`floor=`).
Otherwise the candidate stays registered as a "challenger" and the decision says why.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ranking.models.base import Recommender
from ranking.models.baselines import Popularity
from ranking.models.factorization import ALS, BPR
from ranking.reranker import Reranker

__all__ = ["Decision", "ModelRecord", "ModelRegistry", "RegistryError"]

FAMILIES: dict[str, type[Recommender]] = {"als": ALS, "bpr": BPR, "popularity": Popularity}


class RegistryError(Exception):
    code = "registry_error"


@dataclass
class ModelRecord:
    id: str
    kind: str
    family: str
    created_at: str
    params: dict[str, Any]
    metrics: dict[str, float]
    holdout_metric: str
    data_window: dict[str, str | None]
    status: str  # candidate | champion | challenger | retired
    artifact: str
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float | None:
        value = self.metrics.get(self.holdout_metric)
        return None if value is None else float(value)


@dataclass
class Decision:
    promoted: bool
    reason: str
    candidate: ModelRecord
    previous: ModelRecord | None
    metric: str
    candidate_value: float | None
    champion_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"promoted": self.promoted, "reason": self.reason, "candidate": self.candidate.id,
                "previous": self.previous.id if self.previous else None, "metric": self.metric,
                "candidate_value": self.candidate_value, "champion_value": self.champion_value}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, default=_json_default, indent=2, sort_keys=True).encode()


def _id_array(ids: np.ndarray | None) -> np.ndarray:
    if ids is None:
        return np.array([], dtype=np.str_)
    ids = np.asarray(ids)
    return ids.astype(np.str_) if ids.dtype == object else ids


class ModelRegistry:
    def __init__(self, root: Path | str = "var/models") -> None:
        self.root = Path(root)

    # -- writing -----------------------------------------------------------------------------
    def register(
        self,
        model: Recommender | Reranker,
        *,
        kind: str,
        metrics: dict[str, float],
        holdout_metric: str,
        data_window: tuple[datetime | None, datetime | None] = (None, None),
        notes: dict[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> ModelRecord:
        if holdout_metric not in metrics:
            raise RegistryError(f"metrics have no {holdout_metric!r} (have {sorted(metrics)})")
        if not kind.replace("_", "").replace("-", "").isalnum():
            raise RegistryError(f"kind must be a simple name, not {kind!r}")
        created = created_at or datetime.now(UTC)
        model_id = f"{kind}-{created:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        folder = self.root / kind / model_id
        folder.mkdir(parents=True, exist_ok=False)
        if isinstance(model, Reranker):
            family, artifact = "reranker", "model.pkl"
            _write_atomic(folder / artifact, model.to_bytes())
        else:
            family, artifact = model.family, "model.npz"
            if family not in FAMILIES:
                raise RegistryError(f"{family} models are for comparison only and cannot be registered")
            arrays = {**model.to_arrays(), "user_ids": _id_array(model.user_ids), "item_ids": _id_array(model.item_ids)}
            tmp = folder / f".model.{secrets.token_hex(4)}.npz"
            np.savez(tmp, **arrays)
            os.replace(tmp, folder / artifact)
        record = ModelRecord(
            id=model_id, kind=kind, family=family, created_at=created.isoformat(), params=dict(model.params),
            metrics={k: float(v) for k, v in metrics.items()}, holdout_metric=holdout_metric,
            data_window={"start": data_window[0].isoformat() if data_window[0] else None,
                         "end": data_window[1].isoformat() if data_window[1] else None},
            status="candidate", artifact=artifact, notes=notes or {})
        self._save(record)
        return record

    def promote(self, model_id: str, *, baseline: float | None = None, floor: float | None = None,
                floor_name: str = "the popularity baseline", min_improvement: float = 0.0,
                compare_champion: bool = True, force: bool = False) -> Decision:
        """Make `model_id` the champion of its kind if it passes the guardrail (module docstring).
        `floor_name` says what the floor is in the decision's reason (the re-ranker's is CF alone);
        `compare_champion=False` when the champion could not be measured fairly (no data it has
        not seen): then beating the floor is enough, and the reason says so."""
        candidate = self.get(model_id)
        with self._lock(candidate.kind):
            current = self.champion(candidate.kind)
            value = candidate.score
            champion_value = baseline if baseline is not None else (current.score if current else None)
            metric = candidate.holdout_metric
            if current is not None and current.id == candidate.id:
                return Decision(True, "already the champion", candidate, current, metric, value, champion_value)
            if force:
                promoted, reason = True, "forced"
            elif value is None or not np.isfinite(value):
                promoted, reason = False, f"candidate has no finite {metric}"
            elif floor is not None and value <= floor:
                promoted, reason = False, f"{metric} {value:.4f} does not beat {floor_name} {floor:.4f}"
            elif current is None:
                promoted, reason = True, "no champion yet"
            elif not compare_champion:
                promoted, reason = True, (f"{metric} {value:.4f} beats {floor_name}"
                                          + (f" {floor:.4f}" if floor is not None else "")
                                          + "; the champion had no unseen data to be compared on")
            elif current.holdout_metric != metric and baseline is None:
                promoted, reason = False, f"champion is measured by {current.holdout_metric}, candidate by {metric}"
            elif champion_value is None or value > champion_value + min_improvement * abs(champion_value):
                promoted, reason = True, f"{metric} {value:.4f} beats the champion's {champion_value:.4f}"
            else:
                promoted, reason = False, f"{metric} {value:.4f} does not beat the champion's {champion_value:.4f}"
            if promoted:
                if current is not None:
                    current.status = "retired"
                    self._save(current)
                candidate.status = "champion"
                _write_atomic(self.root / candidate.kind / "champion.json", _dumps({
                    "model_id": candidate.id, "promoted_at": datetime.now(UTC), "metric": metric, "value": value}))
            else:
                candidate.status = "challenger"
            self._save(candidate)
            decision = Decision(promoted, reason, candidate, current, metric, value, champion_value)
            with open(self.root / candidate.kind / "decisions.jsonl", "ab") as fh:
                fh.write(json.dumps({"at": datetime.now(UTC).isoformat(), **decision.to_dict()}).encode() + b"\n")
            return decision

    # -- reading -----------------------------------------------------------------------------
    def get(self, model_id: str) -> ModelRecord:
        kind = model_id.rsplit("-", 2)[0]
        path = self.root / kind / model_id / "meta.json"
        if not path.exists():
            raise RegistryError(f"no model {model_id!r} in {self.root}")
        return ModelRecord(**json.loads(path.read_text()))

    def list(self, kind: str) -> list[ModelRecord]:
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return [ModelRecord(**json.loads(p.read_text())) for p in sorted(folder.glob("*/meta.json"))]

    def champion(self, kind: str) -> ModelRecord | None:
        pointer = self.root / kind / "champion.json"
        if not pointer.exists():
            return None
        return self.get(json.loads(pointer.read_text())["model_id"])

    def decisions(self, kind: str) -> list[dict[str, Any]]:
        path = self.root / kind / "decisions.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []

    def load(self, record: ModelRecord | str) -> Recommender | Reranker:
        record = self.get(record) if isinstance(record, str) else record
        path = self.root / record.kind / record.id / record.artifact
        if record.family == "reranker":
            return Reranker.from_bytes(path.read_bytes())
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        model = FAMILIES[record.family].from_arrays(record.params, arrays)
        model.user_ids, model.item_ids = arrays["user_ids"], arrays["item_ids"]
        return model

    def load_champion(self, kind: str) -> tuple[ModelRecord, Recommender | Reranker] | None:
        record = self.champion(kind)
        return None if record is None else (record, self.load(record))

    # -- internals ---------------------------------------------------------------------------
    def _save(self, record: ModelRecord) -> None:
        _write_atomic(self.root / record.kind / record.id / "meta.json", _dumps(asdict(record)))

    @contextmanager
    def _lock(self, kind: str) -> Iterator[None]:
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
