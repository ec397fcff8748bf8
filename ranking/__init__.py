"""Pure ML for feeds: datasets, models, evaluation, registry and publishing. Never imports commerce,
serving or pipelines (an import-linter contract); the caller hands in data frames, a registry
directory and a Redis client.

The pieces, in the order a retrain uses them:

- `ranking.datasets`   events → implicit-feedback matrices (confidence per event type, time decay,
                       negatives) with index maps; `ranking.splits` temporal / random splits.
- `ranking.models`     ALS and BPR (implicit), popularity and item-kNN baselines, similar items.
- `ranking.trending`   time-decayed engagement velocity, global / per hashtag / per category.
- `ranking.coldstart`  fold-in, author affinity, freshness, rank fusion for new people and posts.
- `ranking.reranker`   the second-stage scikit-learn ranker and its pure feature function.
- `ranking.evaluation` metrics, the harness (popularity always alongside) and the search.
- `ranking.registry`   versioned models on disk, champion/challenger with a guardrail.
- `ranking.workflow`   `retrain(events, registry=…, config=…)`: everything above in one call.
- `ranking.publish`    versioned Redis keys with an atomic pointer swap, and the readers.
"""
