"""Registry import: parse CSV or FHIR files into per-row outcomes, then bulk-load them.

Parsers are pure (text in, `ParsedRow`/`RowError` out) and never raise on bad data; the loader
applies the registry-wide rules (people already present, the per-mobile cap, repeated ids).
"""

from kyvs.services.importing.csv_format import parse_csv
from kyvs.services.importing.fhir_format import parse_fhir_bundle
from kyvs.services.importing.load import LoadReport, load_registrations, registrations_as_outcomes
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome

__all__ = [
    "LoadReport",
    "ParsedRow",
    "RowError",
    "RowOutcome",
    "load_registrations",
    "parse_csv",
    "parse_fhir_bundle",
    "registrations_as_outcomes",
]
