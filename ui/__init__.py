"""The PySide6 user interface: thin views over the Qt-free core."""
