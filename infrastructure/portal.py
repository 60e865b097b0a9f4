"""The static portal on AWS: the pages in ``templates/portal`` in a private bucket, served by
CloudFront, which also forwards the API's paths to API Gateway, so pages and API share one
origin (no CORS, no API address baked into the pages)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from chalicelib.domain.town import TileService
from infrastructure import portal_site
from infrastructure.edge import Zone
from infrastructure.lambda_package import depend_on_policy_only, function_logs

# The id CDK gives the singleton function every BucketDeployment shares.
UPLOADER_UUID = "8693BB64968944B69AAFB0CC9EB8756C"
CONSOLE_CONFIG = "console-config.json"
# Paths CloudFront sends to the API rather than the bucket.
API_PATHS = (
    "/requests*",
    "/categories",
    "/places/*",
    "/staff/*",
    "/admin/*",
    "/open311/*",
    "/openapi.json",
)


class Portal(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pages: Path,
        api_domain: str,
        api_stage: str,
        console_config: dict[str, str],
        log_retention: logs.RetentionDays,
        connect_to: list[str],
        log_bucket: s3.IBucket | None = None,
        web_acl_arn: str | None = None,
        domain: str | None = None,
        certificate_arn: str | None = None,
        zone: Zone | None = None,
        tiles: TileService | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Pages",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        api = origins.HttpOrigin(api_domain, origin_path=f"/{api_stage}")
        headers = self._headers(connect_to)
        to_api = cloudfront.BehaviorOptions(
            response_headers_policy=headers,
            origin=api,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # API Gateway needs its own Host header; everything else goes through.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Site",
            comment="CivicDesk portal and API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                # /r/<number> is the request's public page (one file for every number).
                function_associations=[
                    cloudfront.FunctionAssociation(
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                        function=cloudfront.Function(
                            self,
                            "PublicPagePaths",
                            code=cloudfront.FunctionCode.from_inline(
                                portal_site.PUBLIC_PAGE_REWRITE
                            ),
                            runtime=cloudfront.FunctionRuntime.JS_2_0,
                            comment="/r/<number> serves request.html",
                        ),
                    )
                ],
            ),
            additional_behaviors=dict.fromkeys(API_PATHS, to_api),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            web_acl_id=web_acl_arn,
            domain_names=[domain] if domain else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
                if domain and certificate_arn
                else None
            ),
            enable_logging=log_bucket is not None,
            log_bucket=log_bucket,
            log_file_prefix="cloudfront/",
        )
        upload = s3deploy.BucketDeployment(
            self,
            "Upload",
            # The console's sign-in settings replace the local stack's ("auth": "dev").
            # The town's face and the language list are made from the town's files (as the
            # local stack serves them).
            sources=[
                s3deploy.Source.asset(str(pages), exclude=[CONSOLE_CONFIG]),
                s3deploy.Source.json_data(CONSOLE_CONFIG, console_config),
                *(
                    s3deploy.Source.json_data(path, content)
                    for path, content in portal_site.generated(pages, tiles).items()
                ),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            log_group=function_logs(self, "UploadLogs", log_retention),
        )
        # The deployment's (shared) function, ordered after its policy only, like ours.
        copier = cdk.Stack.of(self).node.find_child(f"Custom::CDKBucketDeployment{UPLOADER_UUID}")
        if isinstance(copier, Construct) and upload.handler_role is not None:
            depend_on_policy_only(copier, upload.handler_role)
        if domain and zone is not None:
            # The town's name points at the distribution (IPv4 and IPv6).
            hosted = zone.hosted(self)
            target = route53.RecordTarget.from_alias(
                route53_targets.CloudFrontTarget(self.distribution)
            )
            route53.ARecord(self, "Name", zone=hosted, record_name=domain, target=target)
            route53.AaaaRecord(self, "NameV6", zone=hosted, record_name=domain, target=target)
        cdk.CfnOutput(
            self,
            "PortalUrl",
            value=f"https://{domain or self.distribution.distribution_domain_name}",
        )

    def _headers(self, connect_to: list[str]) -> cloudfront.ResponseHeadersPolicy:
        """Every answer's security headers: the pages' Content-Security-Policy (the one the
        local stack serves: ``portal_site``), HSTS for two years, no framing, no sniffing, the
        origin only as referrer."""
        return cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment="CivicDesk: CSP without inline script, HSTS, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=portal_site.content_security_policy(
                        connect=connect_to, images=[]
                    ),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(730),
                    include_subdomains=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
        )
