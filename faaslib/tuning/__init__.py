"""Power tuning: a function run at each memory size, measured, priced, and a size recommended,
as AWS Lambda Power Tuning does on AWS (`App.tune`, `faaslib tune`; docs: Power tuning)."""

from faaslib.tuning.model import cpu_share, model_duration, vcpus
from faaslib.tuning.result import TuneResult, TuneRow

__all__ = ["TuneResult", "TuneRow", "cpu_share", "model_duration", "vcpus"]
