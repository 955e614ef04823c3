"""Self-service kiosk for Vietnam's one-stop public-service centres (Qt-free core)."""

__version__ = "0.1.0"
