"""Administration: user accounts (role, regions, sign-in allowed, password reset)."""
