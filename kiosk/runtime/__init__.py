"""The session core, shared by every journey: the flow's state machine (:mod:`.flow`),
the citizen's session (:mod:`.session`), background tasks (:mod:`.tasks`), the idle guard
(:mod:`.idle`), typed settings (:mod:`.config`), translations (:mod:`.i18n`) and logging
with its personal-data scrubber (:mod:`.logs`).
"""
