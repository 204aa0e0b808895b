"""What the write side (``etl``) and the read side (``portal``) share, so that neither imports the other.

Nothing here does I/O at import time.
"""
