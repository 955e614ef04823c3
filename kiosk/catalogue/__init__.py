"""The procedure catalogue: its model and loading (:mod:`.model`), search (:mod:`.search`,
over :mod:`.text`), the 2025 administrative units (:mod:`.admin_units`) and signed
updates from the centre (:mod:`.update`).
"""
