"""The contract suites' moto: started once per module, its state fresh for every test.

Starting moto and making clients dominated these suites; each test still begins from nothing:
moto's backends are reset and the stack's resources created again. (The local stack's server
stays one per test, as in every suite: it serves the same in-process backends, so it cannot
live beside another one; it runs only between moto's tests, never during one.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infrastructure.local.resources import ensure_resources
from tests.conftest import one_moto_request_at_a_time


@pytest.fixture(scope="module")
def _moto_of_the_module() -> Iterator[dict[str, Any]]:
    import boto3
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch:
        one_moto_request_at_a_time(patch)
        with mock_aws():
            yield {name: boto3.client(name) for name in ("dynamodb", "s3", "ses")}


@pytest.fixture
def aws(_moto_of_the_module, settings) -> dict[str, Any]:
    """moto with the stack's table, buckets and mail identity, and nothing else yet."""
    from moto.core.base_backend import BackendDict

    clients = _moto_of_the_module
    BackendDict.reset()  # every service's state, not the interception of presigned URLs
    ensure_resources(settings, dynamodb=clients["dynamodb"], s3=clients["s3"], ses=clients["ses"])
    return clients
