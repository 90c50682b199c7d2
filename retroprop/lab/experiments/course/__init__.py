"""The course slides' exercises and lessons (source documents 002 and 004)."""
