"""Load benchmarks of the real API server, as ratios against a bare endpoint from the same run."""
