"""Lambda's own checks of a function's environment variables, beyond the service model's.

On CreateFunction and UpdateFunctionConfiguration, once the request fits the model (keys match
`[a-zA-Z]([a-zA-Z0-9_])+`, checked in validation.py), AWS refuses with 400
InvalidParameterValueException (Lambda Developer Guide, "Troubleshoot deployment issues in
Lambda" and "Working with Lambda environment variables"):
* keys Lambda sets itself ("Defined runtime environment variables" → "Reserved environment
  variables"): "Lambda was unable to configure your environment variables because the
  environment variables you have provided contains reserved keys that are currently not
  supported for modification. Reserved keys used in this request: AWS_REGION, …";
* variables taking more than 4 KB, measured as the variables object "stored in the function's
  configuration … without white space", in bytes: "… exceeded the 4KB limit. String measured:
  {"A1":"…"}".
moto stored both, so a function could be created that AWS would never have taken. The worker
sets the reserved variables after the function's own anyway (environment.py), so nothing stored
before these checks can override the role's keys. Which of the two AWS checks first is not
documented; reserved keys are named first here.
"""
from webapp.lambda_environment import MAX_BYTES, RESERVED_KEYS, stored_form
from webapp.sandbox.awslambda.exceptions import InvalidParameterValueException

UNABLE = ("Lambda was unable to configure your environment variables because the environment "
          "variables you have provided")
# The operations that set a function's environment.
CONFIGURING_OPERATIONS = frozenset({"CreateFunction", "UpdateFunctionConfiguration"})


def check_environment(environment: object) -> None:
    """Raise InvalidParameterValueException if the request's `Environment` is one AWS refuses."""
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    if not isinstance(variables, dict):
        return
    reserved = [key for key in variables if key in RESERVED_KEYS]
    if reserved:
        raise InvalidParameterValueException(
            f"{UNABLE} contains reserved keys that are currently not supported for "
            f"modification. Reserved keys used in this request: {', '.join(reserved)}")
    measured = stored_form(variables)
    if len(measured.encode("utf-8")) > MAX_BYTES:
        raise InvalidParameterValueException(
            f"{UNABLE} exceeded the 4KB limit. String measured: {measured}")

