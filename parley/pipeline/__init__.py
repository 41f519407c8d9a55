"""The three stages (ingest, filter, relay) as plain functions over injected services."""
