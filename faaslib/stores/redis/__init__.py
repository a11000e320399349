"""State in Redis (and its forks), through coredis: shared by every process and host that
opens the same server and prefix."""

from faaslib.stores.redis.connection import RedisBackend

__all__ = ["RedisBackend"]
