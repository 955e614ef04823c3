"""Speech output: the interface, espeak-ng in its own process, and a simulator."""
