"""Immuno Companion: a companion app for families and nurses during anti-GD2 immunotherapy."""

from .app import create_app

__all__ = ["create_app"]
