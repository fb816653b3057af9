from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kamadvisor.api import Advisor, open_advisor
from kamadvisor.rulebook import Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def base_rulebook() -> Rulebook:
    return load_rulebook()


@pytest.fixture(scope="session")
def advisor(base_rulebook: Rulebook) -> Iterator[Advisor]:
    with open_advisor(rulebook=base_rulebook) as opened:
        yield opened
