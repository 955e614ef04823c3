"""Face verification: detection, alignment, embedding, quality, liveness, decision (no Qt).

Every model file comes from a registry package and is checked by sha256 when
loaded (:mod:`kiosk.face.models`).  Frames and embeddings live in memory only.
"""
