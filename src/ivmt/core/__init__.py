"""Shared kernel: roles and the access policy, the clinic-scoped base model, the audit trail."""
