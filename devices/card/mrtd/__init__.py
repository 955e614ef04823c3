"""ICAO 9303 eMRTD protocols (LDS1), pure code over bytes.

Nothing here does I/O: a :class:`~devices.card.mrtd.apdu.Transport` is
injected, so the same code talks to a PC/SC reader, the project's emulator in
process, or a scripted card in tests (the layering of JMRTD: ``lds`` parses
bytes, ``protocol`` holds the algorithms, the transport is injected).
"""
