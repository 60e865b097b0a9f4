"""History search on AWS: an OpenSearch Service domain, fed from the cards table's stream.

- ``SearchDomain``: sized by the stack's profile (``infrastructure/sizing.py``: one node for a
  small town, three zones and dedicated masters for a city), encrypted at rest with the stack's
  key and node to node, HTTPS only (TLS 1.2), IAM-signed requests only (no open access policy).
- ``SearchIndexer``: ``functions/search_indexer.py`` on the table's stream, filtered to card
  items; partial-batch failures reported, failed batches bisected and retried, then their
  records sent to a failure queue. ``civicdesk search reindex`` rebuilds the index at any time.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from constructs import Construct

from chalicelib.adapters import table_schema as ts
from chalicelib.adapters.opensearch_index import DEFAULT_INDEX
from infrastructure.lambda_package import LambdaPackage, dead_letter_queue, python_function
from infrastructure.lambda_roles import lambda_role
from infrastructure.sizing import Sizing

INDEXER_RETRIES = 5


class SearchDomain(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.Key,
        size: Sizing,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)

        def slow_log(name: str) -> logs.LogGroup:
            return logs.LogGroup(
                self, name, retention=log_retention, removal_policy=cdk.RemovalPolicy.DESTROY
            )

        zoned = size.search_zones > 1
        self.volume_gb = size.search_volume_gb
        self.domain = opensearch.Domain(
            self,
            "Domain",
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=size.search_data_nodes,
                data_node_instance_type=size.search_instance,
                master_nodes=size.search_masters or None,
                master_node_instance_type=size.search_master_instance,
                multi_az_with_standby_enabled=False,
            ),
            zone_awareness=opensearch.ZoneAwarenessConfig(
                enabled=zoned, availability_zone_count=size.search_zones if zoned else None
            ),
            ebs=opensearch.EbsOptions(
                volume_size=size.search_volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3
            ),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True, kms_key=key),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            # Slow searches and slow writes, for the on-call engineer (runbooks: search).
            logging=opensearch.LoggingOptions(
                slow_search_log_enabled=True,
                slow_search_log_group=logs.LogGroup(
                    self,
                    "SlowSearches",
                    retention=log_retention,
                    removal_policy=cdk.RemovalPolicy.DESTROY,
                ),
                slow_index_log_enabled=True,
                slow_index_log_group=logs.LogGroup(
                    self,
                    "SlowWrites",
                    retention=log_retention,
                    removal_policy=cdk.RemovalPolicy.DESTROY,
                ),
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.endpoint = f"https://{self.domain.domain_endpoint}"
        cdk.CfnOutput(self, "SearchEndpoint", value=self.endpoint)

    def grant_search(self, role: iam.IGrantable) -> None:
        """Search the cards index, nothing else (a search is a POST to ``_search``)."""
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["es:ESHttpGet", "es:ESHttpPost"],
            resource_arns=[f"{self.domain.domain_arn}/{DEFAULT_INDEX}/_search"],
        )

    def grant_indexing(self, role: iam.IGrantable) -> None:
        """Write the cards index and install its template (indexer, reindex)."""
        self.domain.grant_index_read_write(DEFAULT_INDEX, role)
        self.domain.grant_path_read_write(f"_index_template/{DEFAULT_INDEX}", role)


class SearchIndexer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: LambdaPackage,
        table: dynamodb.Table,
        key: kms.Key,
        search: SearchDomain,
    ) -> None:
        super().__init__(scope, construct_id)
        self.failures = dead_letter_queue(self, "Failures")
        role = lambda_role(
            self, "IndexerRole", description="CivicDesk search indexer", data_key=key
        )
        # It reads a changed card with its history (one Query per card), nothing else.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query", "dynamodb:GetItem"],
                resources=[table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [ts.card_pk("*")]}},
            )
        )
        search.grant_indexing(role)
        self.failures.grant_send_messages(role)
        self.indexer = python_function(
            self,
            "Indexer",
            package=package,
            handler="functions.search_indexer.handler",
            role=role,
            dead_letters=self.failures,
            timeout=cdk.Duration.seconds(60),
        )
        self.indexer.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                max_batching_window=cdk.Duration.seconds(2),
                retry_attempts=INDEXER_RETRIES,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(self.failures),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY"),
                            "dynamodb": {
                                "Keys": {
                                    ts.SORT_KEY: {"S": lambda_.FilterRule.is_equal(ts.CARD_SK)}
                                }
                            },
                        }
                    )
                ],
            )
        )
        cdk.CfnOutput(self, "SearchFailuresQueue", value=self.failures.queue_url)
