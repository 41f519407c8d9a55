"""The message center: what the HTTP API offers, without knowing anything about HTTP.

Every message written here is composed as mail and enters the same ingest, filter and relay
as email, so it gets the same verdicts.
"""
