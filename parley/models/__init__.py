"""Typed records and the PynamoDB table models."""
