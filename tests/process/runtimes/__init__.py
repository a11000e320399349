"""Handlers in every runtime's own language, and a way to run a `Launch` behind a Runtime API."""
