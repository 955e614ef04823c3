"""What the kiosk prints: receipts and queue tickets (:mod:`.receipt`) in a font that covers
Vietnamese (:mod:`.fonts`).
"""
