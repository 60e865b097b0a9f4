"""What a deployment costs a month before anyone files a request, for each sizing profile,
counted from the synthesized templates (and the metrics the code can emit) against list prices;
and how the two profiles' templates differ.

Fixed means billed whether or not the town is busy: search nodes and their storage, the edge
firewall, keys, secrets, alarms, a dashboard, custom metrics. Everything else (Lambda, API
Gateway, DynamoDB on demand, S3, SQS, SNS, SES, CloudFront, Scheduler, Step Functions, Location,
logs) is paid per use and rounds to cents at a small town's volume. Prices: AWS's public
on-demand list prices for us-east-1 as this file records them (PRICES, with the date);
other regions cost somewhat more. Prints figures; asserts nothing.

    python bench/fixed_cost.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOURS = 730  # a month, as AWS prices it
PRICES_AS_OF = "2026-11"
# us-east-1 list prices, on demand
SEARCH_NODE_HOURLY = {
    "t3.small.search": 0.036,
    "t3.medium.search": 0.073,
    "m6g.large.search": 0.128,
    "r6g.large.search": 0.167,
}
PRICES: dict[str, float] = {
    "opensearch_gp3_gb_month": 0.122,
    "waf_web_acl_month": 5.00,
    "waf_rule_month": 1.00,  # a managed rule group counts as one rule
    "kms_key_month": 1.00,
    "secret_month": 0.40,
    "alarm_metric_month": 0.10,  # standard resolution, per metric an alarm reads
    "alarms_free": 10,
    "dashboard_month": 3.00,
    "dashboards_free": 3,
    "custom_metric_month": 0.30,
    "custom_metrics_free": 10,
}


def synthesize(profile: str, outdir: Path) -> dict[str, dict[str, Any]]:
    env = {
        **os.environ,
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CDK_CONTEXT_JSON": json.dumps({"profile": profile, "stage": "dev"}),
    }
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from infrastructure.app import build_app\n"
        f"build_app({str(outdir)!r}).synth()\n"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "infrastructure",
        env=env,
        check=True,
        capture_output=True,
    )
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in outdir.glob("*.template.json")
    }


def emitted_metrics() -> int:
    """Every metric-and-dimensions combination the code can emit (adapters/telemetry.py)."""
    from chalicelib.adapters.mail_charsets import Step
    from chalicelib.domain.card import Channel
    from chalicelib.services.mail_intake import MailOutcome

    return (
        len(Channel)  # CardsCreated by channel
        + 2  # CardsClosed, DeadlinesMissed
        + 2 * 2  # MessagesSent and MessagesFailed by channel (email, sms)
        + 2  # ExportsFinished: nightly, on_demand
        + len(MailOutcome)  # MailHandled by outcome
        + len(Step)  # MailTextsDecoded by step
    )


def fixed_cost(templates: dict[str, dict[str, Any]]) -> list[tuple[str, float]]:
    resources = [r for t in templates.values() for r in t["Resources"].values()]

    def of(kind: str) -> list[dict[str, Any]]:
        return [r.get("Properties", {}) for r in resources if r["Type"] == kind]

    lines: list[tuple[str, float]] = []
    for domain in of("AWS::OpenSearchService::Domain"):
        cluster = domain["ClusterConfig"]
        hourly = SEARCH_NODE_HOURLY
        data = cluster["InstanceCount"] * hourly[cluster["InstanceType"]]
        lines.append(
            (f"search: {cluster['InstanceCount']} × {cluster['InstanceType']}", data * HOURS)
        )
        if cluster.get("DedicatedMasterEnabled"):
            masters = cluster["DedicatedMasterCount"] * hourly[cluster["DedicatedMasterType"]]
            lines.append(
                (
                    f"search masters: {cluster['DedicatedMasterCount']} × "
                    f"{cluster['DedicatedMasterType']}",
                    masters * HOURS,
                )
            )
        volume = domain["EBSOptions"]["VolumeSize"] * cluster["InstanceCount"]
        lines.append(
            (f"search storage: {volume} GB gp3", volume * PRICES["opensearch_gp3_gb_month"])
        )
    for acl in of("AWS::WAFv2::WebACL"):
        rules = len(acl["Rules"])
        waf = PRICES["waf_web_acl_month"] + rules * PRICES["waf_rule_month"]
        lines.append((f"edge firewall: 1 web ACL, {rules} rules", waf))
    keys = len(of("AWS::KMS::Key"))
    lines.append((f"KMS keys: {keys}", keys * PRICES["kms_key_month"]))
    secrets = len(of("AWS::SecretsManager::Secret"))
    lines.append((f"secrets: {secrets}", secrets * PRICES["secret_month"]))
    alarm_metrics = sum(len(a.get("Metrics", [])) or 1 for a in of("AWS::CloudWatch::Alarm"))
    billed = max(0, alarm_metrics - PRICES["alarms_free"])
    lines.append(
        (
            f"alarms: {len(of('AWS::CloudWatch::Alarm'))} ({alarm_metrics} metrics read, "
            f"{PRICES['alarms_free']} free)",
            billed * PRICES["alarm_metric_month"],
        )
    )
    dashboards = len(of("AWS::CloudWatch::Dashboard"))
    lines.append(
        (
            f"dashboards: {dashboards} ({PRICES['dashboards_free']} free)",
            max(0, dashboards - PRICES["dashboards_free"]) * PRICES["dashboard_month"],
        )
    )
    metrics = emitted_metrics()
    lines.append(
        (
            f"custom metrics: at most {metrics} ({PRICES['custom_metrics_free']} free)",
            max(0, metrics - PRICES["custom_metrics_free"]) * PRICES["custom_metric_month"],
        )
    )
    return lines


def differences(small: dict[str, Any], city: dict[str, Any]) -> list[str]:
    """What the city's templates have that the small town's do not, resource by resource."""
    said = []
    for stack in sorted(small):
        a, b = small[stack]["Resources"], city[stack]["Resources"]
        kinds_a = Counter(r["Type"] for r in a.values())
        kinds_b = Counter(r["Type"] for r in b.values())
        for kind in sorted(set(kinds_a) | set(kinds_b)):
            if kinds_a[kind] != kinds_b[kind]:
                said.append(f"{stack}: {kind} {kinds_a[kind]} → {kinds_b[kind]}")
        for name in sorted(set(a) & set(b)):
            if a[name] != b[name] and a[name]["Type"] not in ("AWS::Lambda::Function",):
                changed = sorted(
                    key
                    for key in set(a[name].get("Properties", {}))
                    | set(b[name].get("Properties", {}))
                    if a[name].get("Properties", {}).get(key)
                    != b[name].get("Properties", {}).get(key)
                )
                said.append(f"{stack}: {a[name]['Type']} {name}: {', '.join(changed)}")
    return said


def main() -> None:
    profiles: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for profile in ("small", "city"):
            profiles[profile] = synthesize(profile, Path(folder) / profile)
    print(f"Fixed monthly cost (us-east-1 list prices as of {PRICES_AS_OF}; {HOURS} h a month)")
    totals = {}
    for profile, templates in profiles.items():
        lines = fixed_cost(templates)
        totals[profile] = sum(cost for _, cost in lines)
        print(f"\n{profile}:")
        for what, cost in lines:
            print(f"  {what:<60} ${cost:8.2f}")
        print(f"  {'total':<60} ${totals[profile]:8.2f}")
    print(f"\ncity / small: {totals['city'] / totals['small']:.1f}×")
    print("\nWhat the city profile changes (templates compared):")
    for line in differences(profiles["small"], profiles["city"]):
        print(f"  {line}")


if __name__ == "__main__":
    main()
