"""Templates: run a SAM or CloudFormation project by loading its template into an App.

```pycon
>>> app = App.from_template("template.yaml", parameters={"Stage": "dev"})
>>> app.template.functions["HelloWorldFunction"].name
'my-project-HelloWorldFunction-...'
```

A template is a loader: it makes the registrations the decorators make (`app.add_function`,
`app.queue`, `app.on_queue`, `app.route`, ...), so everything faaslib does for a decorated
function it does for a template's. See the docs' "Run your SAM project" for what is supported.
"""

from faaslib.templates.builder import LoadedTemplate, TemplateFunction
from faaslib.templates.deploy import from_template, load
from faaslib.templates.errors import TemplateError
from faaslib.templates.functions import FunctionNotRunnable
from faaslib.templates.loading import load_template
from faaslib.templates.parameters import parse_parameter_overrides
from faaslib.templates.unemulated import UnsupportedPropertyWarning, UnsupportedResourceWarning

__all__ = [
    "FunctionNotRunnable",
    "LoadedTemplate",
    "TemplateError",
    "TemplateFunction",
    "UnsupportedPropertyWarning",
    "UnsupportedResourceWarning",
    "from_template",
    "load",
    "load_template",
    "parse_parameter_overrides",
]
