"""What the README says of `make test` is what the Makefile runs: the workers and how they share work."""

from __future__ import annotations

import re

from tests.conftest import REPO

WORDS = {"two": 2, "three": 3, "four": 4}


def test_the_readme_names_the_makefiles_workers_and_distribution():
    makefile = (REPO / "Makefile").read_text()
    readme = " ".join((REPO / "README.md").read_text().split())
    workers = int(re.search(r"^TEST_WORKERS \?= (\d+)$", makefile, re.M).group(1))
    recipe = re.search(r"^test:.*\n(?:\t.*\n)*?\t(\$\(BIN\)/pytest .*)$", makefile, re.M).group(1)
    dist = re.search(r"--dist (\w+)", recipe).group(1)
    stated = re.search(r"`make test` runs the whole suite.*? on (\w+) pytest workers .*?\(`--dist (\w+)`", readme)
    assert stated, "the README's sentence on make test's workers changed: update this test with it"
    assert (WORDS[stated.group(1)], stated.group(2)) == (workers, dist)
    assert "-n $(TEST_WORKERS)" in recipe
