"""Passwords, access tokens and login."""
