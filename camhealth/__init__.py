"""camhealth: health of a city's video-surveillance cameras and the L4P4/L4P5/L4P6 indicators."""

__version__ = "0.1.0"
