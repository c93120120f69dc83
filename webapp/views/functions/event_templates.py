"""Starting points for test events: the shapes AWS services send to a function."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True, slots=True)
class EventTemplate:
    """A named example event."""

    key: str
    label: LazyString
    event: dict[str, object]

    @property
    def text(self) -> str:
        """The event as indented JSON, as the editor shows it."""
        return json.dumps(self.event, indent=2)


_PROXY_REQUEST: dict[str, object] = {
    "resource": "/items/{id}",
    "path": "/items/42",
    "httpMethod": "GET",
    "headers": {"Accept": "application/json", "Host": "abc123.execute-api.ap-northeast-2.amazonaws.com"},
    "multiValueHeaders": {"Accept": ["application/json"],
                          "Host": ["abc123.execute-api.ap-northeast-2.amazonaws.com"]},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": {"id": "42"},
    "stageVariables": None,
    "requestContext": {
        "resourceId": "a1b2c3", "resourcePath": "/items/{id}", "httpMethod": "GET",
        "path": "/prod/items/42", "accountId": "123456789012", "protocol": "HTTP/1.1",
        "stage": "prod", "domainPrefix": "abc123", "requestTimeEpoch": 1700000000000,
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": "14/Nov/2023:22:13:20 +0000",
        "identity": {"sourceIp": "127.0.0.1", "userAgent": "curl/8.0"},
        "domainName": "abc123.execute-api.ap-northeast-2.amazonaws.com", "apiId": "abc123",
    },
    "body": None,
    "isBase64Encoded": False,
}

_STREAM_RECORD: dict[str, object] = {
    "Records": [{
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "ap-northeast-2",
        "dynamodb": {
            "Keys": {"id": {"S": "42"}},
            "NewImage": {"id": {"S": "42"}, "name": {"S": "pen"}, "price": {"N": "3"}},
            "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Items/stream/2024-01-01T00:00:00.000",
    }],
}

EVENT_TEMPLATES: dict[str, EventTemplate] = {template.key: template for template in (
    EventTemplate("hello", _l("Hello"), {"name": "Serverless Console"}),
    EventTemplate("apigateway-proxy", _l("API Gateway proxy request"), _PROXY_REQUEST),
    EventTemplate("dynamodb-stream", _l("DynamoDB stream record"), _STREAM_RECORD),
)}
