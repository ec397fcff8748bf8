"""The seeder's office hours: admins and shop owners work Monday to Saturday, 09:00–18:00 WIB."""

from __future__ import annotations

import random
from datetime import datetime

from serving.seed.core import WIB, office_hours


def _wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 7, day, hour, minute, tzinfo=WIB)  # 1 July 2024 is a Monday


def test_inside_office_hours_nothing_moves():
    assert office_hours(_wib(3, 10, 30), random.Random(1)) == _wib(3, 10, 30)
    assert office_hours(_wib(6, 17, 59), random.Random(1)) == _wib(6, 17, 59)  # Saturday


def test_outside_office_hours_waits_for_the_next_opening():
    rng = random.Random(2)
    for moment, opening in ((_wib(3, 20), _wib(4, 9)), (_wib(4, 6), _wib(4, 9)), (_wib(6, 19), _wib(8, 9)),
                            (_wib(7, 12), _wib(8, 9))):  # evening, early morning, Saturday night, Sunday
        moved = office_hours(moment, rng).astimezone(WIB)
        assert opening <= moved < opening.replace(hour=12), (moment, moved)
