"""IAM for the console: roles, managed and inline policies, and the pure policy helpers (grammar checks, templates, the action catalogue)."""
