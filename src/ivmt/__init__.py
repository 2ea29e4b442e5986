"""IVMT Clinic."""
