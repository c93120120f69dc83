"""Serverless Console: a Flask admin UI over API Gateway, Lambda, DynamoDB, IAM and CloudWatch.

Kept free of imports so `python -m webapp.sandbox` loads none of the console (no Flask, no
boto3, no settings) on its way to the sandbox.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the console; see webapp.app.create_app."""
    from webapp.app import create_app as build

    return build(test_config)
