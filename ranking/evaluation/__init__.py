"""Top-k metrics, the evaluation harness and the hyper-parameter search."""
