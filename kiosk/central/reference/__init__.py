"""The reference central service (``kiosk central serve``): for tests, the demo and
integrators.  The kiosk never imports it at run time, except the demo, which starts
one on loopback.
"""
