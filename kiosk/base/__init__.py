"""Shared value types: the only part of :mod:`kiosk` that ``devices`` and ``offline_cache`` import.

The citizen's identity (:mod:`.identity`), dossier codes and metadata (:mod:`.dossier`),
the central service's outcomes and uploads (:mod:`.central`), events and the dispatcher
(:mod:`.events`), the kiosk's paths (:mod:`.paths`) and the background loop of the sync
worker and the staff relay (:mod:`.loop`).  Nothing here imports the rest
of the project.
"""
