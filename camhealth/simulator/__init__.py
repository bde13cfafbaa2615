"""Simulated ONVIF/RTSP cameras with fault injection, on loopback only."""
