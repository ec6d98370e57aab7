"""Storyteller: paced serial readings of stories in Discord channels."""

__version__ = "0.1.0"
