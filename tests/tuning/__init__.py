"""Power tuning: the model, the strategies, in-process and process-instance runs, the CLI."""
