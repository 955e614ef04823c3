"""Filling a procedure's form: the Qt-free form engine (:mod:`.engine`), checking typed
answers (:mod:`.answers`) and Vietnamese typing, Telex and VNI (:mod:`.ime`).
"""
