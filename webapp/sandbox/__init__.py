"""The sandbox: an AWS-compatible endpoint on loopback, moto's server behind a dispatch layer.

Run it with `python -m webapp.sandbox --port N`. It imports only moto, werkzeug and the standard
library, never the console; importing this package itself loads nothing heavy.
"""
