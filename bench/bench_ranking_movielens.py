"""The ranking evaluation harness on MovieLens ml-latest-small: model × metrics, popularity alongside.

    python -m bench.bench_ranking_movielens [--trials 30] [--seed 42] [--update-notebook]

Protocol: every rating is a positive; each user's ratings split 80/20 at random (seed); models
recommend the top k movies not rated in training. Hyper-parameters are searched on a validation
split carved out of the training part (never the test split); the winners are refitted on the
whole training part and scored once on the test split, next to implicit's defaults, popularity and
an item-kNN baseline. `iprecision@10` is implicit's own "precision" (hits ÷ min(k, held-out items),
pooled over users) — the figure published implicit results quote — and implicit's
`ranking_metrics_at_k` is run on the default ALS as a cross-check of the harness.

`--update-notebook` also writes notebooks/ranking_movielens_results.json (metrics only, no data),
which notebooks/ranking.ipynb shows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from implicit.evaluation import ranking_metrics_at_k
from rich.table import Table

from bench.ranking_common import console, machine, progress, write_results
from ranking._blas import single_threaded_blas
from ranking.evaluation.harness import Evaluation, evaluate
from ranking.evaluation.search import search
from ranking.models.baselines import ItemKNN, Popularity
from ranking.models.factorization import ALS, BPR
from ranking.movielens import load_movielens, movielens_dir
from ranking.splits import random_split, validation_split

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_RESULTS = ROOT / "notebooks" / "ranking_movielens_results.json"
COLUMNS = ("precision@10", "iprecision@10", "recall@10", "ndcg@10", "map@10", "precision@50", "recall@50",
           "ndcg@50", "map@50", "coverage@10", "ild@10", "group_div@10")
LABELS = {"precision@10": "P@10", "iprecision@10": "iP@10", "recall@10": "R@10", "ndcg@10": "NDCG@10",
          "map@10": "MAP@10", "precision@50": "P@50", "recall@50": "R@50", "ndcg@50": "NDCG@50", "map@50": "MAP@50",
          "coverage@10": "cov@10", "ild@10": "ILD@10", "group_div@10": "genres@10"}
IMPLICIT_ALS_DEFAULTS = {"factors": 100, "regularization": 0.01, "alpha": 1.0, "iterations": 15}
IMPLICIT_BPR_DEFAULTS = {"factors": 100, "learning_rate": 0.01, "regularization": 0.01, "iterations": 100}
ALS_SPACE = {
    "factors": [32, 64, 128, 256],
    "regularization": [0.05, 1.0, 5.0, 10.0, 20.0, 40.0],
    "alpha": [0.5, 1.0, 2.0, 4.0],
    "weighting": ["none", "bm25", "tfidf", "log"],
    "iterations": [15, 30],
}
BPR_SPACE = {
    "factors": [32, 64, 128],
    "learning_rate": [0.005, 0.01, 0.03],
    "regularization": [0.001, 0.01, 0.05],
    "iterations": [50, 100, 200],
}


def run_search(name: str, factory: Any, space: dict, fit, validation, trials: int, seed: int):  # noqa: ANN001
    with progress() as bar:
        task = bar.add_task(f"search {name} (validation ndcg@10)", total=min(trials, _size(space)))
        result = search(factory, space, fit, validation, metric="ndcg@10", n_trials=trials, seed=seed,
                        fixed={"seed": seed}, on_trial=lambda i, n, t: bar.advance(task))
    console.print(f"{name}: best validation ndcg@10 {result.best_score:.4f} with {result.best_params}")
    return result


def _size(space: dict) -> int:
    n = 1
    for values in space.values():
        n *= len(values)
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=30, help="random-search trials per model family")
    parser.add_argument("--seed", type=int, default=42, help="split and search seed")
    parser.add_argument("--update-notebook", action="store_true", help=f"also write {NOTEBOOK_RESULTS.name}")
    args = parser.parse_args(argv)
    try:
        ml = load_movielens()
    except FileNotFoundError as exc:
        console.print(f"[yellow]{exc}[/yellow]\nMovieLens is not on this machine ({movielens_dir()}); nothing to run.")
        return 2
    started = time.perf_counter()
    train, test = random_split(ml.data, test_fraction=0.2, seed=args.seed)
    fit, validation = validation_split(train, seed=args.seed)
    console.print(f"MovieLens ml-latest-small: {ml.data.n_users} users × {ml.data.n_items} movies, "
                  f"{ml.data.matrix.nnz:,} ratings; train {train.matrix.nnz:,} / test {test.matrix.nnz:,} "
                  f"(validation {validation.matrix.nnz:,} carved from train)")
    als_search = run_search("ALS", ALS, ALS_SPACE, fit, validation, args.trials, args.seed)
    bpr_search = run_search("BPR", BPR, BPR_SPACE, fit, validation, args.trials, args.seed)

    extra = {"item_features": ml.genres, "item_group": ml.primary_genre, "ks": (10, 50)}
    contenders: list[tuple[str, Any]] = [
        ("popularity", Popularity()),
        ("ALS default", ALS(**IMPLICIT_ALS_DEFAULTS, seed=args.seed)),
        ("ALS tuned", ALS(**als_search.best_params)),
        ("BPR default", BPR(**IMPLICIT_BPR_DEFAULTS, seed=args.seed)),
        ("BPR tuned", BPR(**bpr_search.best_params)),
        ("item-kNN (cmp)", ItemKNN(neighbours=50, similarity="tfidf")),
    ]
    results: list[Evaluation] = []
    with progress() as bar:
        task = bar.add_task("final fits on train, scored on test", total=len(contenders))
        for name, model in contenders:
            results.append(evaluate(model, train, test, name=name, **extra))
            bar.advance(task)

    # Cross-check: implicit's own evaluation of the default ALS on the same split.
    default_als = contenders[1][1]
    with single_threaded_blas():
        reference = ranking_metrics_at_k(default_als.model, train.matrix, test.matrix, K=10, show_progress=False)

    table = Table(title=f"MovieLens ml-latest-small, random 80/20 per user (seed {args.seed}); "
                        f"{args.trials} search trials per family", pad_edge=False, padding=(0, 1))
    table.add_column("model", no_wrap=True)
    for column in (*COLUMNS, "fit s"):
        table.add_column(LABELS.get(column, column), justify="right")
    pop = results[0].metrics
    for r in results:
        table.add_row(r.model, *(f"{r.metrics[c]:.4f}" for c in COLUMNS), f"{r.fit_s:.2f}")
    console.print(table)
    best = max(results[1:], key=lambda r: r.metrics["ndcg@10"])
    console.print(f"implicit's ranking_metrics_at_k on the default ALS: precision@10 {reference['precision']:.4f}, "
                  f"ndcg@10 {reference['ndcg']:.4f}, map@10 {reference['map']:.4f} (harness: "
                  f"{results[1].metrics['iprecision@10']:.4f}, {results[1].metrics['ndcg@10']:.4f}, "
                  f"{results[1].metrics['map@10']:.4f})")
    console.print(f"best: {best.model} — ndcg@10 {best.metrics['ndcg@10'] / pop['ndcg@10']:.2f}× popularity, "
                  f"iprecision@10 {best.metrics['iprecision@10'] / results[1].metrics['iprecision@10']:.2f}× "
                  f"implicit's default ALS; total {time.perf_counter() - started:.0f} s")

    payload = {
        "dataset": {"users": ml.data.n_users, "items": ml.data.n_items, "ratings": int(ml.data.matrix.nnz),
                    "train": int(train.matrix.nnz), "test": int(test.matrix.nnz)},
        "protocol": {"split": "random 80/20 per user", "seed": args.seed, "search_trials": args.trials,
                     "search_metric": "validation ndcg@10"},
        "columns": list(COLUMNS),
        "rows": [{"model": r.model, "params": r.params, "metrics": r.metrics, "fit_s": r.fit_s} for r in results],
        "implicit_reference": {k: float(v) for k, v in reference.items()},
        "search": {"als": {"best_params": als_search.best_params, "best_validation": als_search.best_score},
                   "bpr": {"best_params": bpr_search.best_params, "best_validation": bpr_search.best_score}},
    }
    path = write_results("ranking_movielens", payload)
    console.print(f"results: {path}")
    if args.update_notebook:
        NOTEBOOK_RESULTS.write_text(json.dumps({**payload, "machine": machine()}, indent=1, default=str) + "\n")
        console.print(f"notebook results: {NOTEBOOK_RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
