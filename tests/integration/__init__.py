"""Tests with real audio devices, a browser, servers on loopback or the kindwell command."""
