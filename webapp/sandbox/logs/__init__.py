"""CloudWatch Logs in the sandbox: moto's log groups, read the way AWS reads them.

moto 5.2.5 matches only single terms and quoted phrases (every other filter pattern matches
everything) and reads a whole log group, sorting it, on every FilterLogEvents call. Here
filter_pattern.py (with json_pattern.py, delimited_pattern.py and pattern_values.py) is AWS's
filter pattern syntax, event_index.py keeps each stream's events in time order so reads bisect
and merge instead of sorting, and operations.py patches both into moto: see its docstring for
what changes and why.
"""
from webapp.sandbox.logs.operations import install

__all__ = ["install"]
