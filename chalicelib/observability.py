"""Powertools Logger, Metrics and Tracer, built once per process.

Logs carry the card number as correlation key and never personal data: log ids, numbers,
channels and categories, never names, contacts or free text.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "civicdesk"
NAMESPACE = "CivicDesk"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)
