"""Releases: build from the store, diff with the previous one, write each format, move in whole."""
