"""How big a deployment is: one stack setting (``-c profile=small`` or ``city``).

A small town (thousands of requests a year, a handful of staff) runs one search node in one
zone: its history is rebuilt from the table in minutes (``civicdesk search reindex``) if the
node is lost, so a second node would double the fixed cost to insure a rebuild. A city (millions
of requests) runs data nodes in three zones behind dedicated masters, more memory for the API,
higher edge limits and a year of logs. Everything else (the table, functions, buckets) is paid
per use and is the same in both. The fixed monthly cost of each is in the README, computed from
the synthesized templates by ``bench/fixed_cost.py``. Plain data (no CDK import): the deploy
check reads it before any CDK runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizing:
    name: str
    search_data_nodes: int
    search_instance: str
    search_zones: int  # 1: no zone awareness
    search_masters: int  # 0: the data nodes elect a master among themselves
    search_master_instance: str | None
    search_volume_gb: int
    api_memory_mb: int
    # API Gateway's stage limits (requests per second, steady and burst), before any route's
    # own limits (the application's per-client counters) and the edge's per-address rules.
    api_rate_per_second: int
    api_burst: int
    # Requests from one address in five minutes before the edge blocks it (WAF rate rules):
    # any path, and the paths that create or send something (intake, codes, Open311 POST).
    edge_requests_per_5_min: int
    edge_writes_per_5_min: int
    log_retention_days: int  # one of CloudWatch Logs' retention periods


SMALL = Sizing(
    name="small",
    search_data_nodes=1,
    search_instance="t3.small.search",
    search_zones=1,
    search_masters=0,
    search_master_instance=None,
    search_volume_gb=10,
    api_memory_mb=512,
    api_rate_per_second=50,
    api_burst=100,
    edge_requests_per_5_min=1000,
    edge_writes_per_5_min=100,
    log_retention_days=90,
)

CITY = Sizing(
    name="city",
    search_data_nodes=3,
    search_instance="r6g.large.search",
    search_zones=3,
    search_masters=3,
    search_master_instance="m6g.large.search",
    search_volume_gb=100,
    api_memory_mb=1024,
    api_rate_per_second=500,
    api_burst=1000,
    edge_requests_per_5_min=3000,
    edge_writes_per_5_min=300,
    log_retention_days=365,
)

PROFILES = {p.name: p for p in (SMALL, CITY)}


def sizing(name: str | None) -> Sizing:
    """The profile a stack setting names (a small town when none is given)."""
    chosen = name or SMALL.name
    if chosen not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, not {chosen!r}")
    return PROFILES[chosen]
