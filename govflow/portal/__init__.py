"""Resident portal (居民端): public report, tracking and board pages, no login."""
