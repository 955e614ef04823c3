"""The procedure catalogue: its values (:mod:`.model`), loading and checking it
(:mod:`.load`, with its JSON Schema in :mod:`.schema`), search (:mod:`.search`, over
:mod:`.text`), the 2025 administrative units (:mod:`.admin_units`) and signed updates
from the centre (:mod:`.update`).
"""
