"""What the kiosk says: each screen's spoken text, numbers and dates read the Vietnamese way,
and the privacy rule (personal values only into a headset)."""
