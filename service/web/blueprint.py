"""The pages' blueprint, shared by the modules that add routes to it."""

from flask import Blueprint

blp = Blueprint("web", __name__)
