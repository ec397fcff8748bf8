"""What the simulated apps showed: candidate posts per surface, as the platform's feeds of the time
would have ranked them — a mixture of taste-matched, trending and random recent posts for for_you,
trending for explore, followees' newest for following, a tag's newest for hashtag pages.

The mixture matters for the ranking work trained on this log: impressions are not all on-taste, and
engagement depends on the viewer's latent taste, so a model that learns tastes can beat popularity.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left
from datetime import datetime, timedelta

from serving.seed.vocab import LEAVES
from serving.seed.world import Person, World

RECENT_DAYS = 14
MAX_SEEN = 600  # people forget: after this many posts the oldest may be shown again


class Feeds:
    """Per-day candidate pools; `for_surface` picks a session's impressions."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.trending: list[int] = []
        self.trending_weights: list[float] = []

    def refresh(self, day_start: datetime) -> None:
        """Trending = engagement per age, among the last week's posts, recomputed each morning."""
        world = self.world
        recent = world.recent_posts(day_start, 7)
        scored = []
        for i in recent:
            post = world.posts[i]
            age = (day_start - post.created_at).total_seconds() / 86400
            scored.append(((1 + post.engagement) * post.quality / (age + 1.5) ** 1.2, i))
        scored.sort(reverse=True)
        top = scored[:400]
        self.trending = [i for _, i in top]
        self.trending_weights = list(itertools.accumulate(s for s, _ in top))

    def _recent_of(self, posts: list[int], at: datetime, days: float, limit: int = 150) -> list[int]:
        """The newest (up to LIMIT) of POSTS (in creation order) made in the DAYS before AT."""
        world = self.world
        times = [world.posts[i].created_at for i in posts[-limit:]]
        tail = posts[-limit:]
        low = bisect_left(times, at - timedelta(days=days))
        high = bisect_left(times, at)
        return tail[low:high]

    def _ok(self, person: Person, i: int, at: datetime, chosen: set[int]) -> bool:
        post = self.world.posts[i]
        return (i not in chosen and i not in person.seen and post.author != person.index
                and post.author not in person.hidden_authors and post.created_at < at)

    def _fill(self, person: Person, at: datetime, count: int, draw, tries: int = 4) -> list[int]:  # noqa: ANN001
        chosen: list[int] = []
        taken: set[int] = set()
        for _ in range(count * tries):
            if len(chosen) >= count:
                break
            i = draw()
            if i is not None and self._ok(person, i, at, taken):
                chosen.append(i)
                taken.add(i)
        return chosen

    def for_you(self, person: Person, at: datetime, count: int, rng: random.Random) -> list[tuple[int, str]]:
        world = self.world
        recent = world.recent_posts(at, RECENT_DAYS)
        if not recent:
            return []
        by_leaf: dict[int, list[int]] = {}

        def draw() -> int | None:
            roll = rng.random()
            if roll < 0.45:
                leaf = rng.choices(range(len(LEAVES)), weights=person.taste)[0]
                if leaf not in by_leaf:
                    by_leaf[leaf] = self._recent_of(world.posts_by_leaf[leaf], at, RECENT_DAYS)
                pool = by_leaf[leaf]
                return rng.choice(pool) if pool else None
            if roll < 0.8 and self.trending:
                return rng.choices(self.trending, cum_weights=self.trending_weights)[0]
            return rng.choice(recent)

        return [(i, "for_you") for i in self._fill(person, at, count, draw)]

    def explore(self, person: Person, at: datetime, count: int, rng: random.Random) -> list[tuple[int, str]]:
        world = self.world
        recent = world.recent_posts(at, 30)
        if not recent:
            return []

        def draw() -> int | None:
            if rng.random() < 0.6 and self.trending:
                return rng.choices(self.trending, cum_weights=self.trending_weights)[0]
            return rng.choice(recent)

        return [(i, "explore") for i in self._fill(person, at, count, draw)]

    def following(self, person: Person, at: datetime, count: int) -> list[tuple[int, str]]:
        world = self.world
        pool: list[int] = []
        for followee in sorted(person.followees):
            pool += self._recent_of(world.people[followee].posts, at, 10, limit=20)
        pool.sort(key=lambda i: world.posts[i].created_at, reverse=True)
        taken: set[int] = set()
        chosen = []
        for i in pool:
            if self._ok(person, i, at, taken):
                chosen.append(i)
                taken.add(i)
                if len(chosen) >= count:
                    break
        return [(i, "following") for i in chosen]

    def hashtag(self, person: Person, at: datetime, count: int, rng: random.Random) -> list[tuple[int, str]]:
        leaf = LEAVES[rng.choices(range(len(LEAVES)), weights=person.taste)[0]]
        tag = rng.choice(leaf.hashtags)
        pool = list(reversed(self._recent_of(self.world.posts_by_hashtag.get(tag, []), at, 30, limit=80)))
        taken: set[int] = set()
        chosen = [i for i in pool if self._ok(person, i, at, taken) and not taken.add(i)][:count]
        return [(i, "hashtag") for i in chosen]

    def profile(self, person: Person, author: int, at: datetime, count: int) -> list[tuple[int, str]]:
        posts = self.world.people[author].posts
        pool = list(reversed(self._recent_of(posts, at, 60, limit=40)))
        taken: set[int] = set()
        chosen = [i for i in pool if self._ok(person, i, at, taken) and not taken.add(i)][:count]
        return [(i, "profile") for i in chosen]

    @staticmethod
    def remember(person: Person, shown: list[int]) -> None:
        if len(person.seen) > MAX_SEEN:
            person.seen.clear()
        person.seen.update(shown)
