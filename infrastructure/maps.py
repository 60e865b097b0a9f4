"""The portal's map on Amazon Location Service: raster tiles for the browser through an API key
that may only fetch tiles and only from the portal's own pages, and geocoding (Places API v2)
for the API's role alone (the browser never geocodes directly: the API limits it per client).

Amazon Location is paid per request, with no fixed cost. The key's value is not a CloudFormation
attribute: a custom resource reads it (DescribeKey) for the portal's ``town.json``; a browser key
restricted to tiles and to the portal's referer is meant to be seen in pages.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_location as location
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from chalicelib.domain.town import TileService
from infrastructure.lambda_package import function_logs

TILESET = "raster.satellite"  # Leaflet draws raster tiles; v2's street maps are vector only
GEOCODING_ACTIONS = ("geo-places:Geocode", "geo-places:ReverseGeocode")
# The id CDK gives the function every AwsCustomResource in a stack shares.
PROVIDER_ID = "679f53fac002430cb0da5b7982bd2287"


class TownMaps(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        portal_url: str,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.maps_arn = f"arn:{stack.partition}:geo-maps:{stack.region}::provider/default"
        self.places_arn = f"arn:{stack.partition}:geo-places:{stack.region}::provider/default"
        key = location.CfnAPIKey(
            self,
            "TilesKey",
            key_name=f"{stack.stack_name}-portal-tiles",
            description="CivicDesk portal: map tiles, from the portal's pages only",
            no_expiry=True,
            restrictions=location.CfnAPIKey.ApiKeyRestrictionsProperty(
                allow_actions=["geo-maps:GetTile"],
                allow_resources=[self.maps_arn],
                allow_referers=[f"{portal_url.rstrip('/')}/*"],
            ),
        )
        value = cr.AwsCustomResource(
            self,
            "TilesKeyValue",
            on_update=cr.AwsSdkCall(
                service="Location",
                action="describeKey",
                parameters={"KeyName": key.key_name},
                physical_resource_id=cr.PhysicalResourceId.of(key.attr_arn),
                output_paths=["Key"],
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["geo:DescribeKey"], resources=[key.attr_arn])]
            ),
            install_latest_aws_sdk=False,
            log_group=function_logs(self, "TilesKeyValueLogs", log_retention),
        )
        # The custom resources' shared function waits for its role twice over (a DependsOn
        # besides the GetAtt of the role's ARN: cfn-lint W3005); the GetAtt is enough, and the
        # custom resource itself waits for the policy that lets it read the key.
        provider = stack.node.try_find_child(f"AWS{PROVIDER_ID}")
        if provider is not None and isinstance(provider.node.default_child, cdk.CfnResource):
            provider.node.default_child.add_deletion_override("DependsOn")
        self.tiles = TileService(
            url=(
                f"https://maps.geo.{stack.region}.amazonaws.com/v2/tiles/{TILESET}/"
                f"{{z}}/{{x}}/{{y}}?key={value.get_response_field('Key')}"
            ),
            attribution="© AWS, imagery providers",
            max_zoom=18,
        )

    def grant_geocoding(self, role: iam.IRole) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(GEOCODING_ACTIONS), resources=[self.places_arn])
        )
