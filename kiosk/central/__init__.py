"""Talking to the central public-service system.

- :mod:`kiosk.central.protocol`: the wire format shared by both ends (payloads and
  their limits, the signed catalogue envelope, the previous signing scheme), pure code;
- :mod:`kiosk.central.signatures`: requests signed per RFC 9421 over an RFC 9530
  Content-Digest, pure code;
- :mod:`kiosk.central.client`: the kiosk's HTTP client (``requests``);
- :mod:`kiosk.central.reference`: the reference central service (``kiosk central
  serve``), for tests, demos and integrators.

The API is documented in ``docs/central-api.md`` and ``docs/openapi.json``.
"""
