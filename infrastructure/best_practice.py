"""AWS's best-practice rule pack (cdk-nag's AwsSolutions) over both stacks, on every synth: a
finding stops ``make synth``, ``make deploy`` and the stack's test. What the project decided
otherwise is acknowledged here, each on the narrowest construct it concerns, with its reason in
one line; nothing is acknowledged stack-wide unless it is about the whole stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from constructs import IConstruct

# The CDK's own deploy-time helpers (copying the portal, the seed data, describing the map key):
# their roles, policies and runtimes are the CDK's, not ours.
BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"
SDK_CALLS = "AWS679f53fac002430cb0da5b7982bd2287"


@dataclass(frozen=True)
class Decided:
    path: str  # the construct, from its stack ("" for the stack itself)
    rule: str  # a rule id (AwsSolutions-SMG4), or one finding (AwsSolutions-IAM5[Resource::<arn>])
    reason: str


MAIN: tuple[Decided, ...] = (
    Decided(
        "",
        "AwsSolutions-L1",
        "Python 3.11 is the runtime the project supports and tests; CDK's helpers pick their own",
    ),
    Decided(
        "AccessLogs",
        "AwsSolutions-S1",
        "the access-log bucket does not log access to itself (that would be a loop)",
    ),
    Decided(
        "Staff",
        "AwsSolutions-COG1",
        "12 characters, no composition rules: NIST SP 800-63B asks for length, not symbols",
    ),
    Decided(
        "Staff",
        "AwsSolutions-COG2",
        "MFA optional pool-wide; the API refuses managers, controllers and admins without it",
    ),
    Decided(
        "Staff",
        "AwsSolutions-COG8",
        "threat protection (Plus) is billed per user; staff accounts are few, made by admins",
    ),
    Decided(
        "LinkSecret",
        "AwsSolutions-SMG4",
        "rotating it would void every status link already mailed to requesters",
    ),
    Decided(
        "ExportJobs/PseudonymSecret",
        "AwsSolutions-SMG4",
        "rotating it would change every pseudonym and break joins across nightly exports",
    ),
    Decided(
        "Search/Domain",
        "AwsSolutions-OS1",
        "no VPC: Lambdas outside a VPC need no NAT; every request is IAM-signed (SigV4)",
    ),
    Decided(
        "Search/Domain",
        "AwsSolutions-OS3",
        "callers are Lambda roles with no fixed address: identity, not IP, is the control",
    ),
    Decided(
        "Search/Domain",
        "AwsSolutions-OS5",
        "no resource policy at all: only roles granted es:ESHttp* on named paths may call",
    ),
    Decided(
        "Portal/Site",
        "AwsSolutions-CFR1",
        "residents travel and report from abroad: no country is refused",
    ),
    Decided(
        "ApiGatewayLogsRole",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-wide logging role, as AWS documents it",
    ),
)

# Small town: one search node (see infrastructure/sizing.py); a city has masters and zones.
SMALL_SEARCH: tuple[Decided, ...] = (
    Decided("Search/Domain", "AwsSolutions-OS4", "one node for a small town: no masters to elect"),
    Decided(
        "Search/Domain",
        "AwsSolutions-OS7",
        "one node in one zone: the index is rebuilt from the table if the node is lost",
    ),
)

# Wildcards that are a prefix of our own bucket, a function's versions, X-Ray or SES's
# account-level call: each the narrowest the service allows.
WILDCARDS: tuple[tuple[str, str], ...] = (
    (
        "Resource::*",
        "X-Ray, SES's active rule set and CloudWatch Logs resource policies take no ARN",
    ),
    ("Resource::<Attachments87B238D3.Arn>/attachments/*", "one prefix of the attachments bucket"),
    ("Resource::<ExportsFiles165D4F61.Arn>/exports/*", "the exports prefix of its own bucket"),
    (
        "Resource::<ExportsFiles165D4F61.Arn>/exports/on-demand/*",
        "on-demand exports' prefix of its own bucket",
    ),
    (
        "Resource::<ExportsFiles165D4F61.Arn>/exports/reports/*",
        "the report figures' prefix of its own bucket",
    ),
    ("Resource::<EmailInbound387EAFA9.Arn>/inbound/*", "the inbound shelf of the mail bucket"),
    (
        "Resource::<EmailInbound387EAFA9.Arn>/quarantine/*",
        "the quarantine shelf of the mail bucket",
    ),
    ("Resource::<EmailInbound387EAFA9.Arn>/rejected/*", "the rejected shelf of the mail bucket"),
    (
        "Resource::<EmailInbound387EAFA9.Arn>/dead-letter/*",
        "the dead-letter shelf of the mail bucket",
    ),
    ("Resource::<DeadlinesEscalationTasks73362C47.Arn>:*", "the function's own versions"),
    ("Resource::<SeedDataFunction16AC240E.Arn>:*", "the function's own versions"),
    ("Resource::<SearchDomain62FD613E.Arn>/civicdesk-cards/*", "the cards index's documents"),
    (
        "Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/"
        "<DeadlinesSchedules1934385F>/card-*",
        "card timers in the stack's own schedule group",
    ),
    (
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:"
        "/aws/lambda/*civicdesk*",
        "the stack's own functions' log groups",
    ),
)

LAMBDA_BASIC = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]"
)
CDK_HELPERS: tuple[Decided, ...] = (
    *(
        Decided(path, LAMBDA_BASIC, "the CDK's own deploy-time helper writes only its logs")
        for path in (BUCKET_DEPLOYMENT, SDK_CALLS, "SeedData/Provider")
    ),
    *(
        Decided(BUCKET_DEPLOYMENT, f"AwsSolutions-IAM5[{grant}]", "the CDK copies the pages")
        for grant in (
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*",
            "Action::s3:DeleteObject*",
            "Action::s3:Abort*",
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            "<AWS::Region>/*",
            "Resource::<PortalPages4A2DFF4C.Arn>/*",
        )
    ),
)


def check(app: cdk.App) -> None:
    """Run the pack over the app (every stack) with the project's decisions acknowledged."""
    from cdk_nag import AwsSolutionsChecks

    for stack in app.node.children:
        if not isinstance(stack, cdk.Stack):
            continue
        decided = [*MAIN, *CDK_HELPERS] if not stack.stack_name.endswith("-edge") else []
        size = getattr(stack, "size", None)
        if size is not None and size.search_masters == 0:
            decided += SMALL_SEARCH
        if getattr(stack, "own_domain", True) is False:
            decided.append(
                Decided(
                    "Portal/Site",
                    "AwsSolutions-CFR4",
                    "*.cloudfront.net's certificate allows TLS 1.0 until the town's domain is set",
                )
            )
        if getattr(stack, "web_acl_arn", "edge") is None:
            decided.append(
                Decided(
                    "Portal/Site",
                    "AwsSolutions-CFR2",
                    "offline: the edge stack's web ACL is attached when synthesized for an account",
                )
            )
        for item in decided:
            _acknowledge(stack, item)
        for pattern, reason in WILDCARDS:
            _acknowledge(stack, Decided("", f"AwsSolutions-IAM5[{pattern}]", reason))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def _acknowledge(stack: cdk.Stack, decided: Decided) -> None:
    target: IConstruct | None = (
        stack if not decided.path else stack.node.try_find_child(decided.path.split("/")[0])
    )
    for part in decided.path.split("/")[1:] if decided.path else []:
        target = target.node.try_find_child(part) if target is not None else None
    if target is None:
        return  # that part is absent from this stack (a helper the CDK did not need)
    cdk.Validations.of(target).acknowledge(
        cdk.Acknowledgment(id=decided.rule, reason=decided.reason)
    )
