"""The project's own CCCD emulator: a chip that answers APDUs like a real card.

- :mod:`pki` creates a test CSCA and document signer;
- :mod:`builder` turns a card profile (JSON) into LDS files with a signed EF.SOD;
- :mod:`chip` answers APDUs (BAC enforced, secure messaging, READ BINARY);
- :mod:`vpcd` connects it to vsmartcard's virtual reader so the real pcscd sees it.
"""
