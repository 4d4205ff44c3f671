"""Accounts: people who sign in, their sessions, passwords, second factor and codes."""
