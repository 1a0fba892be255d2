"""Tests of the resident registry."""
