"""Process instances: Lambda's Runtime API served to AWS's runtime interface clients, each
execution environment its own operating-system process."""
