"""Publishing a ranking version in tests exactly as the retrain flow does (ranking.publish), so the
feeds read real packed lists from real Redis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import numpy as np
import redis as redis_sync

from ranking.publish import Published, Space, TopKLists, publish
from ranking.trending import TrendingConfig, TrendingLists


def _lists(rows: Mapping[str, Sequence[str]], items: list[str]) -> TopKLists:
    index = {item: i for i, item in enumerate(items)}
    k = max((len(v) for v in rows.values()), default=1) or 1
    cols = np.full((len(rows), k), -1, dtype=np.int64)
    scores = np.zeros((len(rows), k), dtype=np.float32)
    for r, ranked in enumerate(rows.values()):
        for c, item in enumerate(ranked):
            cols[r, c] = index[item]
            scores[r, c] = float(k - c)
    return TopKLists(keys=np.array(list(rows), dtype=object), cols=cols, scores=scores,
                     item_ids=np.array(items, dtype=object))


def publish_ranking(settings, *, candidates: Mapping[str, Sequence[str]] | None = None,  # noqa: ANN001
                    trending: Mapping[str, Sequence[str]] | None = None,
                    similar: Mapping[str, Sequence[str]] | None = None,
                    space: str = "post", extra_spaces: Sequence[Space] = (), prefix: str | None = None) -> Published:
    """candidates: user id → ranked post ids; trending: list name → ids; similar: item → neighbours."""
    candidates, trending, similar = candidates or {}, trending or {}, similar or {}
    items = list(dict.fromkeys([*(i for v in candidates.values() for i in v), *(i for v in similar.values() for i in v),
                                *similar]))
    lists = TrendingLists(lists={name: (np.array(list(ids), dtype=object), np.arange(len(ids), 0, -1, dtype=np.float32))
                                 for name, ids in trending.items()},
                          computed_at=datetime.now(UTC), config=TrendingConfig())
    built = Space(name=space, candidates=_lists(candidates, items) if candidates else None,
                  similar=_lists(similar, items) if similar else None, trending=lists if trending else None)
    client = redis_sync.Redis.from_url(settings.redis_url)
    try:
        return publish(client, prefix or settings.redis_namespace, [built, *extra_spaces])
    finally:
        client.close()
