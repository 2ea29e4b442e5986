"""US billing codes (CPT administration, HCPCS drugs) as reviewed data; see ``billing_codes.py``."""
