"""Residents' personal data: who sees what of it (masking.py), and for whom (audience.py)."""
