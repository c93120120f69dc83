"""The setup wizard: the tutorial's serverless backend built step by step, torn down, exported.

model.py holds what the user chose (Plan) and what was made (Made); steps.py makes it through
webapp.aws, idempotently; teardown.py removes it; export.py writes it as AWS SAM and as AWS CLI
commands. Nothing here imports Flask or boto3.
"""
