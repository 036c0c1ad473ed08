"""`python -m pas.service.openapi_export > frontend/openapi.json` (what `make api-client` runs)."""

from __future__ import annotations

import sys

from pas.service.app import create_app
from pas.service.dashboard import openapi_document

if __name__ == "__main__":
    sys.stdout.write(openapi_document(create_app()))
