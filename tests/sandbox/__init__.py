"""Black-box tests of the sandbox endpoint (`python -m webapp.sandbox`)."""
