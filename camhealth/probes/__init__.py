"""I/O against cameras: each probe reports facts and never decides whether a camera is healthy."""
