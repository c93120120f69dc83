"""IAM's policy grammar, written once for both sides: the console's checker and the sandbox.

AWS reads the same few rules wherever a policy names something: `*` and `?` wildcards
(wildcards.py), ARNs as six colon-separated components (arns.py), the ARN formats of AWS's
Service Authorization Reference with their ${...} placeholders (arn_formats.py), and policy
variables filled in from the request (variables.py). Pure standard library: this package imports
neither the console (webapp.aws, webapp.views, Flask, boto3) nor the sandbox, so the sandbox can
use it without loading the console (tests/unit/test_layout.py).
"""
