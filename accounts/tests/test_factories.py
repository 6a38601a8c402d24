"""Invented names in tests never collide with the labelled pupils whose names tests look for."""

import re

from accounts.factories import LABELLED_PUPIL_NAMES, UserFactory
from pupils.factories import ContactFactory, PupilFactory


def test_invented_names_never_hold_a_labelled_pupils_name():
    names = [ContactFactory.build().name for _ in range(1500)] + [UserFactory.build().full_name for _ in range(500)]
    pupils = [PupilFactory.build(school=None, class_group=None) for _ in range(500)]
    names += [f"{p.legal_first_name} {p.legal_last_name}" for p in pupils]
    assert any("-" in n for n in names)  # double-barrelled names were drawn (one carried "Evans" into CI)
    words = {w for n in names for w in re.findall(r"[A-Za-z]+", n)}
    assert not words & LABELLED_PUPIL_NAMES


def _draw():
    pupils = [PupilFactory.build(school=None, class_group=None) for _ in range(5)]
    return ([ContactFactory.build().phone for _ in range(3)] + [UserFactory.build().full_name for _ in range(3)]
            + [(p.legal_first_name, p.date_of_birth) for p in pupils])


def test_each_test_draws_the_same_data_on_every_run(request):
    """conftest reseeds factory_boy and Faker from the test's id, so a collision in invented data
    shows on every run; this fails if a factory draws from an unseeded generator."""
    import os
    import zlib

    import factory.random

    first = _draw()
    factory.random.reseed_random(zlib.crc32(f"{request.node.nodeid}{os.environ.get('TEST_DATA_SEED', '')}".encode()))
    assert _draw() == first
    factory.random.reseed_random(12345)
    assert _draw() != first
