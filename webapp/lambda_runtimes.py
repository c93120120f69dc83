"""The Node.js runtimes of Lambda the project knows, shared by the console and the sandbox.

Pure standard library, like webapp/lambda_environment.py: the console's create form offers these
runtimes, and the sandbox runs functions of exactly these on the machine's node (the AWS runtimes
that provide the SDK for JavaScript v3). Newest first, as the AWS console lists them.
"""
from __future__ import annotations

NODE_RUNTIMES = ("nodejs22.x", "nodejs20.x", "nodejs18.x")
