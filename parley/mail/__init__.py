"""MIME parsing, outbound composition and notices (stdlib `email`)."""
