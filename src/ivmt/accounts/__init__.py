"""Users, clinics (sites) and their settings, memberships with roles, sign-in and 2FA."""
