"""Writes. Every change to campaigns and requests goes through a function here."""
