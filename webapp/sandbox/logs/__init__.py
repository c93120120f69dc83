"""CloudWatch Logs in the sandbox: moto's log groups, read the way AWS reads them.

moto 5.2.5 matches only single terms and quoted phrases (every other filter pattern matches
everything) and reads a whole log group, sorting it, on every FilterLogEvents call. Here
filter_pattern.py (with json_pattern.py, delimited_pattern.py and pattern_values.py) is AWS's
filter pattern syntax, event_index.py keeps each stream's events in time order so reads bisect
and merge instead of sorting, and operations.py patches both into moto: see its docstring for
what changes and why. media_type.py labels every answer with AWS's JSON 1.1 media type.
subscriptions.py runs a subscription's Lambda destination for real, with AWS's payload.
"""
from typing import TYPE_CHECKING

from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.logs import media_type, operations

if TYPE_CHECKING:  # awslambda writes its logs through logs.delivery: no import back at load
    from webapp.sandbox.awslambda.service import LambdaService

__all__ = ["register"]


def register(dispatcher: Dispatcher, lambda_service: "LambdaService") -> None:
    """Patch moto's CloudWatch Logs as operations.py, media_type.py and subscriptions.py say
    (once per process); Lambda subscriptions invoke through `lambda_service`."""
    from webapp.sandbox.logs import subscriptions  # imports awslambda, which imports delivery

    subscriptions.install()  # first: operations.py filters what reaches its delivery
    operations.install()
    media_type.install()
    subscriptions.register(dispatcher, lambda_service)
