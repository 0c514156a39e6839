"""What each process keeps in memory for the hot paths, and the one shared read per interval that keeps it true.

sync.py holds the process's place in the shared change log (log.py) and tells the hot
paths whether their memory may be used right now; lru.py is the bounded map they keep;
applications.py holds applications by client ID. The token service keeps its own parts
(tokens/standing.py: revoked signed tokens; tokens/remembered.py: opaque token rows).
Nothing here is imported by this package's __init__, so any part may import any other.
"""
