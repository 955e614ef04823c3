"""Filling a procedure's form: the Qt-free form engine (:mod:`.engine`) and Vietnamese
typing, Telex and VNI (:mod:`.ime`).
"""
