"""A module that fails while it is imported, as a typo in an app would."""

from faaslib import App

app = App("broken")
raise RuntimeError("the database URL is not set")
