"""Lambda for the console: functions, their code packages, invocations, versions and metrics."""
