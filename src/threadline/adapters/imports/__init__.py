"""Readers of other comment systems' export files: each turns a file into ``SourceComment``s and
``SourceProblem``s (``domain/imports.py``), streaming, in the file's order."""
