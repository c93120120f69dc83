"""API Gateway pages under /apis: REST APIs, resources, methods, deploy, stages, test calls,
deletes, and the account's API Gateway settings."""
from __future__ import annotations

from flask import Blueprint

from webapp.views.apigateway import deletes, rest_apis, settings


def blueprint() -> Blueprint:
    """The API Gateway area."""
    area = Blueprint("apigateway", __name__, url_prefix="/apis")
    area.register_blueprint(rest_apis.bp)
    area.register_blueprint(deletes.bp)
    area.register_blueprint(settings.bp)
    return area
