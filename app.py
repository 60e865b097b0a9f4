"""CivicDesk's HTTP API: creates the Chalice app and registers the blueprints, nothing else."""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.api.admin import admin
from chalicelib.api.calls import calls
from chalicelib.api.docs import docs
from chalicelib.api.exports import exports
from chalicelib.api.middleware import observe_request
from chalicelib.api.outbox_admin import outbox_admin
from chalicelib.api.public import public
from chalicelib.api.replies import replies
from chalicelib.api.search import search
from chalicelib.api.staff import staff
from chalicelib.api.templates import templates

app = Chalice(app_name="civicdesk")
app.register_blueprint(public)
app.register_blueprint(staff)
app.register_blueprint(replies)
app.register_blueprint(calls)
app.register_blueprint(search)
app.register_blueprint(exports)
app.register_blueprint(admin)
app.register_blueprint(templates)
app.register_blueprint(outbox_admin)
app.register_blueprint(docs)
app.register_middleware(observe_request, "http")
