"""The TechEmpower-style apps bench/tfb.py serves: one module per framework, same routes."""
