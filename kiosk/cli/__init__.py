"""The ``kiosk`` command: :mod:`.main` parses and dispatches; one module per command group."""
