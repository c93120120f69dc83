"""The request context: the condition keys the sandbox can know, by AWS's names.

From docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html, for a
request signed by a role session:

* present: aws:PrincipalArn (the role's ARN, not the session's), aws:PrincipalAccount,
  aws:PrincipalType (AssumedRole), aws:userid (ROLEID:session), aws:PrincipalTag/KEY (the role's
  tags), aws:PrincipalIsAWSService and aws:ViaAWSService (false), aws:CurrentTime,
  aws:EpochTime, aws:TokenIssueTime, aws:MultiFactorAuthPresent (false), aws:SecureTransport,
  aws:RequestedRegion, aws:SourceIp, aws:UserAgent, lambda:SourceFunctionArn (when the runtime
  says which function the keys are for), dynamodb:EnclosingOperation (inside transactions).
* absent, so conditions on them behave as on a missing key: aws:username (roles have none),
  aws:SourceArn/aws:SourceAccount (only set when a service calls on a resource's behalf),
  aws:ResourceTag/*, aws:RequestTag/*, aws:TagKeys, aws:CalledVia, and service keys the
  sandbox does not work out, such as dynamodb:LeadingKeys, dynamodb:Attributes,
  dynamodb:Select and dynamodb:ReturnValues.
"""
from datetime import datetime

from moto.iam.models import Role
from werkzeug.wrappers import Request

from webapp.sandbox.authz.sessions import RoleSession

# Keys are stored lower-cased: IAM matches condition key names case-insensitively.
ConditionKeys = dict[str, tuple[str, ...]]


def role_keys(role: Role, account_id: str, now: datetime) -> ConditionKeys:
    """Keys that hold for any request made with the role's credentials."""
    keys: ConditionKeys = {
        "aws:principalarn": (role.arn,),
        "aws:principalaccount": (account_id,),
        "aws:principaltype": ("AssumedRole",),
        "aws:principalisawsservice": ("false",),
        "aws:viaawsservice": ("false",),
        "aws:currenttime": (_iso(now),),
        "aws:epochtime": (str(int(now.timestamp())),),
        # The sandbox speaks plain HTTP on loopback where AWS would be TLS-only; policies written
        # for AWS must see what they would see there.
        "aws:securetransport": ("true",),
    }
    for tag in role.tags or []:
        keys[f"aws:principaltag/{tag['Key'].lower()}"] = (tag["Value"],)
    return keys


def session_keys(session: RoleSession, role: Role, now: datetime) -> ConditionKeys:
    """Keys for a request signed with a minted session's keys."""
    keys = role_keys(role, session.account_id, now)
    keys["aws:userid"] = (session.user_id,)
    keys["aws:tokenissuetime"] = (_iso(session.issued_at),)
    # The keys were issued without MFA, and AWS sets the key (false) for temporary credentials.
    keys["aws:multifactorauthpresent"] = ("false",)
    if session.source_function_arn:
        keys["lambda:sourcefunctionarn"] = (session.source_function_arn,)
    return keys


def request_keys(request: Request, region: str) -> ConditionKeys:
    """Keys taken from the HTTP request itself."""
    keys: ConditionKeys = {"aws:requestedregion": (region,)}
    if request.remote_addr:
        keys["aws:sourceip"] = (request.remote_addr,)
    user_agent = request.headers.get("User-Agent")
    if user_agent:
        keys["aws:useragent"] = (user_agent,)
    return keys


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
