"""One controller per journey of the citizen flow, each Qt-free, with its own state and
signals; they share a :class:`~kiosk.journeys.base.JourneyContext` and move the flow
only by firing triggers.
"""
