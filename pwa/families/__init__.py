"""Families: children, the caregivers linked to them, and the child switcher."""
