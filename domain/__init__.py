"""The assistant's records and rules, in plain Python over SQLAlchemy (no Bot Framework)."""

from domain.db import Database
from domain.models import Role

__all__ = ["Database", "Role"]
