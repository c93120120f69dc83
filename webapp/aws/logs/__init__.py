"""CloudWatch Logs for the console: groups, events newest first, live tail, and invocations read from log lines."""
