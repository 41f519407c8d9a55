"""No I/O: time, ids and keys, settings, message kinds, observability helpers."""
