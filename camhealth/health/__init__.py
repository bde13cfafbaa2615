"""Pure functions: picture diagnosis, status with hysteresis, indicators. No I/O, no clock."""
