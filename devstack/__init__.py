"""The embedded local runtime: moto server, SMTP in, queue workers and a Maildir outbox."""
