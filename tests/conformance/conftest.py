"""Conformance cases: each states AWS's documented answer and checks the sandbox gives it.

They use the sandbox tests' fixtures: one sandbox process for the session, boto3 clients for it.
"""
from tests.sandbox.conftest import *  # noqa: F401,F403
