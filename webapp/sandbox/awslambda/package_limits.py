"""Lambda's deployment package quotas, checked before moto stores the code.

moto takes any package: a 298 KB zip that unpacks to 301 MB was stored, and the sandbox then
unpacked it on the first Invoke. AWS refuses it at the API, and so does the sandbox now:

* CreateFunction and UpdateFunctionCode whose request body is over 69,905,067 bytes (a 50 MB
  zip, base64-encoded in JSON) answer 413 RequestEntityTooLargeException, "Request must be
  smaller than 69905067 bytes for the <operation> operation", as AWS's front door does; larger
  packages go through S3.
* A package, inline (ZipFile) or in S3 (S3Bucket/S3Key), whose entries declare more than
  262,144,000 bytes unzipped (250 MB, Lambda's CodeSizeUnzipped quota) answers 400
  InvalidParameterValueException "Unzipped size must be smaller than 262144000 bytes".

Declared sizes come from the zip's central directory, read without unpacking anything. A zip
that lies there is still stopped when it is unpacked: filesystem.unzip counts the bytes it
really writes against the same limit and raises UnzippedSizeExceeded, a BadZipFile, which
Invoke answers as InvalidZipFileException. That also covers code that reached moto another way
(CloudFormation).
"""
import base64
import binascii
import io
import json
import zipfile
from http import HTTPStatus
from typing import IO, Any

from moto.iam.models import get_account_id_from
from moto.s3.exceptions import MissingBucket, MissingKey
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Request, Response

from webapp.sandbox.awslambda.exceptions import InvalidParameterValueException, LambdaServiceError
from webapp.sandbox.dispatch import AwsOperation, Dispatcher

# AWS's figures (Lambda quotas: 50 MB zipped for direct upload, 250 MB unzipped).
REQUEST_SIZE_LIMIT = 69_905_067
UNZIPPED_SIZE_LIMIT = 262_144_000
UNZIPPED_TOO_LARGE = f"Unzipped size must be smaller than {UNZIPPED_SIZE_LIMIT} bytes"
# How much of an entry is unpacked at a time, so the count is checked before the disk fills.
COPY_CHUNK_BYTES = 1 << 20
# Where each operation's body holds the package: CreateFunction nests it under "Code".
CODE_HOLDER = {"CreateFunction": "Code", "UpdateFunctionCode": None}


class RequestEntityTooLargeException(LambdaServiceError):
    """The request body is over what Lambda's API accepts for the operation."""

    code = "RequestEntityTooLargeException"
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class UnzippedSizeExceeded(zipfile.BadZipFile):
    """Unpacking wrote more than UNZIPPED_SIZE_LIMIT bytes, whatever the zip declared."""

    def __init__(self) -> None:
        super().__init__(UNZIPPED_TOO_LARGE)


def register(dispatcher: Dispatcher) -> None:
    """Refuse CreateFunction and UpdateFunctionCode calls over Lambda's package quotas."""
    for operation_name in CODE_HOLDER:
        dispatcher.register("lambda", operation_name)(check_package)


def check_package(request: Request, operation: AwsOperation) -> Response | None:
    """AWS's refusal of a package over the quotas, or None to let moto store it."""
    body = request.get_data()
    if len(body) >= REQUEST_SIZE_LIMIT:
        return RequestEntityTooLargeException(
            f"Request must be smaller than {REQUEST_SIZE_LIMIT} bytes for the "
            f"{operation.name} operation").response()
    code = _code_of(body, CODE_HOLDER[operation.name])
    package = _package_bytes(code, operation) if code is not None else None
    if package is not None and declared_unzipped_size(package) >= UNZIPPED_SIZE_LIMIT:
        return InvalidParameterValueException(UNZIPPED_TOO_LARGE).response()
    return None


def declared_unzipped_size(package: bytes) -> int:
    """The sum of the sizes the zip's central directory declares (0 if it is not a zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            return sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return 0  # not a zip: moto and Invoke answer that as they do today


def copy_within_limit(source: IO[bytes], sink: IO[bytes], written: int) -> int:
    """Copy an unpacked entry; the package's bytes written so far (`written` before it).

    UnzippedSizeExceeded once the package reaches UNZIPPED_SIZE_LIMIT, before writing more.
    """
    while chunk := source.read(COPY_CHUNK_BYTES):
        written += len(chunk)
        if written >= UNZIPPED_SIZE_LIMIT:
            raise UnzippedSizeExceeded()
        sink.write(chunk)
    return written


def _code_of(body: bytes, holder: str | None) -> dict[str, Any] | None:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return None
    code = document.get(holder) if holder and isinstance(document, dict) else document
    return code if isinstance(code, dict) else None


def _package_bytes(code: dict[str, Any], operation: AwsOperation) -> bytes | None:
    if isinstance(code.get("ZipFile"), str):
        try:
            return base64.b64decode(code["ZipFile"], validate=True)
        except (binascii.Error, ValueError):
            return None
    if isinstance(code.get("S3Bucket"), str) and isinstance(code.get("S3Key"), str):
        backend = s3_backends[get_account_id_from(operation.access_key_id)][
            get_partition(operation.region)]
        try:
            key = backend.get_object(code["S3Bucket"], code["S3Key"],
                                     version_id=code.get("S3ObjectVersion"))
        except (MissingBucket, MissingKey):
            return None  # moto answers AWS's NoSuchBucket / NoSuchKey message
        return key.value if key is not None else None
    return None
