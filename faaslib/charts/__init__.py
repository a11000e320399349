"""Charts of what faaslib measures (a tuning run, a bill), drawn without dependencies: SVG,
self-contained HTML and terminal text; PNG with the optional extra `faaslib[charts]`."""

from faaslib.charts.formats import render
from faaslib.charts.model import Chart, ChartError, Mark, Series
from faaslib.charts.png import MissingExtra

__all__ = ["Chart", "ChartError", "Mark", "MissingExtra", "Series", "render"]
