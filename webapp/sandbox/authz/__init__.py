"""IAM for Lambda execution roles: the policy evaluator (the guard and credentials follow)."""
