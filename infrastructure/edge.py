"""The edge: an AWS WAF web ACL on the portal's CloudFront distribution, and the certificate
for the town's own name for it.

CloudFront's web ACLs live in us-east-1, whatever region the town runs in, so this is a small
stack of its own there (``civicdesk-<stage>-edge``); the main stack reads its ARN through CDK's
cross-region references. At the edge every request still carries its own address (behind
CloudFront, the API would see CloudFront's, and X-Forwarded-For can be forged), so the
per-address rules are here.

Rules, in order:

- AWS's managed rule groups: the common rule set, known bad inputs, the IP reputation list;
- per address, any request: more than the profile's ``edge_requests_per_5_min`` in five
  minutes is blocked for a while (WAF lifts it once the rate falls);
- per address, writes that create or send something: POST to ``/requests`` (intake, files,
  messages, access codes, followers) and ``/open311/`` (filing through Open311) over the
  profile's ``edge_writes_per_5_min``. The application's own per-client limits stay behind it
  (``CIVICDESK_LIMITS``): the edge stops floods before they cost a Lambda.

Sampled requests (with their addresses) are kept by WAF for three hours; metrics per rule are
in CloudWatch (namespace AWS/WAFV2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infrastructure.sizing import Sizing

EDGE_REGION = "us-east-1"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
WRITE_PATHS = ("/requests", "/open311/")


@dataclass(frozen=True)
class Zone:
    """The town's Route 53 hosted zone for the domain (optional): with one, the certificate
    validates itself and the stack points the name at the portal."""

    zone_id: str
    name: str

    @staticmethod
    def of(scope: Construct) -> Zone | None:
        zone_id = scope.node.try_get_context("hosted_zone_id")
        name = scope.node.try_get_context("hosted_zone_name")
        return Zone(str(zone_id), str(name)) if zone_id and name else None

    def hosted(self, scope: Construct) -> route53.IHostedZone:
        return route53.HostedZone.from_hosted_zone_attributes(
            scope, "Zone", hosted_zone_id=self.zone_id, zone_name=self.name
        )


class EdgeStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        size: Sizing,
        domain: str | None = None,
        zone: Zone | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if domain:
            self._certificate(domain, zone)
        rules = [_managed(name, priority) for priority, name in enumerate(MANAGED_RULE_GROUPS)]
        rules.append(_rate("RequestsPerAddress", len(rules), limit=size.edge_requests_per_5_min))
        rules.append(
            _rate(
                "WritesPerAddress",
                len(rules),
                limit=size.edge_writes_per_5_min,
                scope_down=_writes(),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "Firewall",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("CivicDeskEdge"),
            rules=rules,
            description="CivicDesk portal and API: managed rules, per-address rate limits",
        )
        cdk.CfnOutput(self, "WebAclArn", value=self.web_acl.attr_arn)

    def _certificate(self, domain: str, zone: Zone | None) -> None:
        """The town's name for the portal, certified for CloudFront. Without a hosted zone,
        the deploy waits until the validation CNAME (shown in the stack's events) is in DNS."""
        certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=domain,
            validation=acm.CertificateValidation.from_dns(zone.hosted(self) if zone else None),
        )
        cdk.CfnOutput(self, "CertificateArn", value=certificate.certificate_arn)


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name
            )
        ),
        visibility_config=_visibility(name),
    )


def _rate(
    name: str,
    priority: int,
    *,
    limit: int,
    scope_down: wafv2.CfnWebACL.StatementProperty | None = None,
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=limit,
                evaluation_window_sec=300,
                scope_down_statement=scope_down,
            )
        ),
        visibility_config=_visibility(name),
    )


def _writes() -> wafv2.CfnWebACL.StatementProperty:
    """POST to a path that creates or sends something."""
    post = wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
            positional_constraint="EXACTLY",
            search_string="POST",
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )
    paths = [
        wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string=path,
                text_transformations=[
                    wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="LOWERCASE")
                ],
            )
        )
        for path in WRITE_PATHS
    ]
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                post,
                wafv2.CfnWebACL.StatementProperty(
                    or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=paths)
                ),
            ]
        )
    )
