"""CivicDesk's HTTP API: creates the Chalice app and registers the blueprints, nothing else."""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.api.api_keys import api_keys
from chalicelib.api.calls import calls
from chalicelib.api.casework import casework
from chalicelib.api.desk import desk
from chalicelib.api.docs import docs
from chalicelib.api.duplicates import duplicates
from chalicelib.api.exports import exports
from chalicelib.api.mail_triage import mail_triage
from chalicelib.api.middleware import observe_request
from chalicelib.api.open311 import open311
from chalicelib.api.outbox_admin import outbox_admin
from chalicelib.api.places import places
from chalicelib.api.privacy import privacy
from chalicelib.api.public import public
from chalicelib.api.replies import replies
from chalicelib.api.routing_admin import routing_admin
from chalicelib.api.search import search
from chalicelib.api.staff_files import staff_files
from chalicelib.api.template_admin import template_admin

app = Chalice(app_name="civicdesk")
app.register_blueprint(public)
app.register_blueprint(places)
app.register_blueprint(casework)
app.register_blueprint(desk)
app.register_blueprint(duplicates)
app.register_blueprint(replies)
app.register_blueprint(staff_files)
app.register_blueprint(calls)
app.register_blueprint(search)
app.register_blueprint(exports)
app.register_blueprint(routing_admin)
app.register_blueprint(template_admin)
app.register_blueprint(outbox_admin)
app.register_blueprint(mail_triage)
app.register_blueprint(open311)
app.register_blueprint(api_keys)
app.register_blueprint(privacy)
app.register_blueprint(docs)
app.register_middleware(observe_request, "http")
