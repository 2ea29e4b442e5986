"""Scheduling: chairs, nurse shifts, appointments and the day optimiser."""
