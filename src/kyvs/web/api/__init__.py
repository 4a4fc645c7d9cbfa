"""The HTTP APIs: native `/api/v1` and the CoWIN-compatible facade."""
