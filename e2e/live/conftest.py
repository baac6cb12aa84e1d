"""The live checks: against a running `baton serve` (BATON_URL), through the shared client."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # e2e/client.py, the shared HTTP client
