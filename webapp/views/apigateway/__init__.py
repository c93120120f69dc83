"""API Gateway pages under /apis: REST APIs, resources, methods, deploy, stages, test calls."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.apigateway import rest_apis


def blueprint() -> Blueprint:
    """The API Gateway area."""
    area = Blueprint("apigateway", __name__, url_prefix="/apis")
    area.register_blueprint(rest_apis.bp)
    return area
