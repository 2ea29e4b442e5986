"""Patients: demographics, indications, conditions, medications, allergies and lab results."""
