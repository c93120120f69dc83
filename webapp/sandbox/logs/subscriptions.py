"""Subscription filters with a Lambda destination: the real function runs, as on AWS.

moto 5.2.5 handed matching events to its own fake Lambda (which runs nothing here) and accepted
any existing function as a destination. AWS ("Using CloudWatch Logs subscription filters",
"Example 2: Subscription filters with AWS Lambda"):

* PutSubscriptionFilter needs the function's resource policy to let CloudWatch Logs
  (`logs.amazonaws.com`, or the older regional `logs.<region>.amazonaws.com`) call
  lambda:InvokeFunction, its AWS:SourceArn / AWS:SourceAccount conditions naming the log group;
  otherwise InvalidParameterException "Could not execute the lambda function. Make sure you have
  given CloudWatch Logs permission to execute your function."
* The function is invoked asynchronously with `{"awslogs": {"data": ...}}`, the data being
  base64(gzip(JSON)) of {messageType: "DATA_MESSAGE", owner, logGroup, logStream,
  subscriptionFilters: [name], logEvents: [{id, timestamp, message}]}.

Here each batch a stream receives is one Event invocation through the sandbox's own Lambda
service (split in halves while it is over Lambda's 256 KB asynchronous payload quota). Nothing is
delivered while the journal is replayed: those invocations happened before the restart. The
handler's SDK calls the sandbox at the address requests arrive on, remembered by a guard.

A function subscribed to a group it logs to would invoke itself forever: Lambda's recursive
loop detection stops the chain after 16 invocations (awslambda/recursion.py), as on AWS.
"""
from __future__ import annotations

import base64
import gzip
import json
import logging
import threading
from typing import Any

from moto.logs.exceptions import InvalidParameterException
from moto.logs.models import LogsBackend, LogStream
from moto.utilities.arns import parse_arn
from werkzeug.wrappers import Request, Response

from webapp.sandbox.awslambda import metrics
from webapp.sandbox.awslambda.exceptions import LambdaServiceError
from webapp.sandbox.awslambda.functions import find_function
from webapp.sandbox.awslambda.recursion import (MAX_CHAIN, TRACE_HEADER, current_chain,
                                                enter_request)
from webapp.sandbox.awslambda.resource_policy import service_may_invoke
from webapp.sandbox.awslambda.service import (MAX_ASYNC_REQUEST_BYTES, InvocationType,
                                              InvokeRequest, LambdaService)
from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.persistence import phase

logger = logging.getLogger(__name__)

NO_PERMISSION = ("Could not execute the lambda function. Make sure you have given CloudWatch "
                 "Logs permission to execute your function.")
DATA_MESSAGE = "DATA_MESSAGE"
_INSTALLED = "_sandbox_lambda_subscriptions"


class LambdaTarget:
    """The Lambda service subscriptions invoke, and the sandbox address its handlers call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._service: LambdaService | None = None
        self._endpoint_url = ""

    def attach(self, service: LambdaService) -> None:
        """Invoke through `service` from now on."""
        with self._lock:
            self._service = service

    def note_address(self, request: Request) -> None:
        """Remember where the sandbox is reached (every request arrives at the same socket)."""
        host = request.environ.get("SERVER_NAME", "127.0.0.1")
        port = request.environ.get("SERVER_PORT", "80")
        self._endpoint_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def deliver(self, stream: LogStream, destination_arn: str, filter_name: str,
                log_events: list[dict[str, Any]]) -> None:
        """Invoke the destination (Event) with the batch, in payloads Lambda accepts."""
        service = self._service
        if service is None or phase.is_replaying():
            return
        arn = parse_arn(destination_arn)
        found = find_function(arn.account, arn.region, destination_arn, None)
        if found is None:
            logger.warning("subscription %s: function %s is gone", filter_name, destination_arn)
            return
        chain = current_chain() + 1
        if chain > MAX_CHAIN:
            logger.warning("subscription %s: %s stopped, invoked more than %d times in one "
                           "chain (recursive loop detection)", filter_name, destination_arn,
                           MAX_CHAIN)
            metrics.record_recursion_dropped(found.function)
            return
        for payload in payloads(stream, filter_name, log_events):
            try:
                service.invoke(InvokeRequest(
                    found=found, invocation_type=InvocationType.EVENT, tail_log=False,
                    payload=payload, client_context=None,
                    invoked_function_arn=found.function.function_arn,
                    endpoint_url=self._endpoint_url, chain=chain))
            except LambdaServiceError as error:  # e.g. a runtime the sandbox cannot run
                logger.warning("subscription %s: %s", filter_name, error.message)


def payloads(stream: LogStream, filter_name: str,
             log_events: list[dict[str, Any]]) -> list[bytes]:
    """The Invoke payloads carrying `log_events`, each within the asynchronous quota."""
    message = {"messageType": DATA_MESSAGE, "owner": stream.account_id,
               "logGroup": stream.log_group.name, "logStream": stream.log_stream_name,
               "subscriptionFilters": [filter_name],
               "logEvents": [{"id": str(event["id"]), "timestamp": event["timestamp"],
                              "message": event["message"]} for event in log_events]}
    data = base64.b64encode(gzip.compress(json.dumps(message).encode())).decode()
    payload = json.dumps({"awslogs": {"data": data}}).encode()
    if len(payload) <= MAX_ASYNC_REQUEST_BYTES or len(log_events) == 1:
        return [payload]
    half = len(log_events) // 2
    return (payloads(stream, filter_name, log_events[:half])
            + payloads(stream, filter_name, log_events[half:]))


def may_invoke(account_id: str, region: str, function_arn: str, group_arn: str) -> bool:
    """Whether the function's resource policy lets CloudWatch Logs invoke it for the group."""
    principals = {"logs.amazonaws.com", f"logs.{region}.amazonaws.com"}
    return service_may_invoke(account_id, region, function_arn, None, principals, group_arn)


TARGET = LambdaTarget()


def register(dispatcher: Dispatcher, service: LambdaService) -> None:
    """Deliver Lambda subscriptions through `service`, at the address `dispatcher` serves."""
    TARGET.attach(service)

    @dispatcher.guard
    def remember_address(request: Request) -> Response | None:
        TARGET.note_address(request)
        enter_request(request.headers.get(TRACE_HEADER))
        return None


def install() -> None:
    """Patch moto's Lambda subscriptions as the module docstring says (once per process).

    Runs before operations.install, which wraps the delivery patched here with its filtering.
    """
    if getattr(LogStream, _INSTALLED, False):
        return
    send = LogStream._send_log_events
    put_filter = LogsBackend.put_subscription_filter

    def send_log_events(self: LogStream, service: str, destination_arn: str, filter_name: str,
                        log_events: list[dict[str, Any]]) -> None:
        if service == "lambda":
            TARGET.deliver(self, destination_arn, filter_name, log_events)
        else:
            send(self, service, destination_arn, filter_name, log_events)

    def put_subscription_filter(self: LogsBackend, log_group_name: str, filter_name: str,
                                filter_pattern: str, destination_arn: str,
                                role_arn: str) -> None:
        group = self.groups.get(log_group_name)
        if group is not None and destination_arn.startswith("arn:") and (
                parse_arn(destination_arn).service == "lambda"):
            if not may_invoke(self.account_id, self.region_name, destination_arn,
                              f"{group.arn.removesuffix(':*')}:*"):
                raise InvalidParameterException(NO_PERMISSION)
        put_filter(self, log_group_name, filter_name, filter_pattern, destination_arn, role_arn)

    put_subscription_filter.__doc__ = put_filter.__doc__
    LogStream._send_log_events = send_log_events  # type: ignore[method-assign]
    LogsBackend.put_subscription_filter = put_subscription_filter  # type: ignore[method-assign]
    setattr(LogStream, _INSTALLED, True)

