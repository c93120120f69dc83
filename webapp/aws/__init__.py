"""The console's service layer: the only console code that imports boto3 or botocore.

Functions here take and return plain data and raise one ConsoleError whose message a person
can act on. Nothing here imports Flask.
"""
