"""Reading paper with the camera (no Qt): the card's QR code (:mod:`.qr`) and the pages of
papers still needed (:mod:`.pages`).
"""
