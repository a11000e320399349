import os


def handler(event, context):
    print("hello from", context.function_name)
    return {"n": event["n"] + 1, "pid": os.getpid(), "memory": context.memory_limit_in_mb}
