"""Course orders: formula, volumes, route, duration, protocol and start date, signed by a
physician; signed orders are immutable and changes make new linked versions."""
