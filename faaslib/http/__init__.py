"""HTTP functions: an app's routes behind an API Gateway HTTP API or a function URL, served as
an ASGI application (`app.asgi`).

Declared on the app (`@app.route`, `@app.authorizer`, `app.cors(...)`, `app.http(...)`); this
package holds the pieces: the route table and API Gateway's matching rules (`routes`), requests
laid out as events (`requests`), answers turned into responses (`responses`), authorizers,
CORS, the request pipeline (`gateway`) and the ASGI application with its lifespan (`asgi`).
"""

from faaslib.http.asgi import AsgiApp
from faaslib.http.authorizers import Authorizer
from faaslib.http.cors import CORS
from faaslib.http.decorators import HttpRoutes
from faaslib.http.gateway import HttpApi
from faaslib.http.routes import Route

__all__ = ["CORS", "AsgiApp", "Authorizer", "HttpApi", "HttpRoutes", "Route"]
