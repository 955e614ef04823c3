"""Reading paper with the camera (no Qt): the card's QR code (:mod:`.qr`), and the pages of
papers still needed: finding and straightening them (:mod:`.pages`, shapes in :mod:`.quad`)
and the thread that takes the photo by itself (:mod:`.paper`).
"""
