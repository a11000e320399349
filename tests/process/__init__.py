"""Process instances: runtimes, code, layers and memory limits, with the real clients."""
