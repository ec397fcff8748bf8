"""Pure ML for feeds: datasets, models, evaluation and inference. Never imports commerce."""
