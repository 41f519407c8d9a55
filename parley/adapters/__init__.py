"""AWS access. Clients are injected or created lazily, never at import time."""
