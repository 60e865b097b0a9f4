from __future__ import annotations

from typing import Any

import pytest

from tests.factories import memory_town


@pytest.fixture
def town(settings, clock) -> Any:
    """The product's container over in-memory twins (see ``factories.memory_town``)."""
    return memory_town(settings, clock)
