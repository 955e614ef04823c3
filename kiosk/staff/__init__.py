"""Staff and technicians on the kiosk: roles, sign-in, audit trail."""
