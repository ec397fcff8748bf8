"""feed (was feed-service): following timelines in Redis, fan-out on write, merge on read for big authors."""
