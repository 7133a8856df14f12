"""Resolver logic, kept out of the type definitions so types stay thin."""
