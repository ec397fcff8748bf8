"""Recommenders behind one interface (`base.Recommender`): the platform's ALS and BPR, the
popularity and item-kNN baselines, and item-to-item neighbour tables."""
