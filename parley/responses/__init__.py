"""The response clock: business-day deadlines, clocks, reminder sweeps, statistics."""
