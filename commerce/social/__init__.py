"""social (was part of feed-service): the follow graph and blocks."""
