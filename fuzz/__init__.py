"""Fuzz targets for Kettle: see targets.py (the checks) and run.py (``make fuzz``)."""
