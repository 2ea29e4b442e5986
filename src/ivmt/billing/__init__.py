"""Consents and waivers, the price list, charges, packages, payments and superbills."""
