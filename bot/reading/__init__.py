"""Delivery: live readings (and later schedules), driven by an injected clock and a publisher port."""
