"""Talking to the central public-service system.

- :mod:`kiosk.central.protocol`: the wire format shared by both ends (request
  signing, the signed catalogue envelope, payload validation), pure code;
- :mod:`kiosk.central.client`: the kiosk's HTTP client (``requests``);
- :mod:`kiosk.central.reference.server`: the reference central service (``kiosk
  central serve``), for tests, demos and integrators.

The API is documented in ``docs/central-api.md``.
"""
