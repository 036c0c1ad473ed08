"""Data sources: the bundled demo, CSV files, the Ken French library, Alpaca bars."""
