"""sceau's built-in readers: importing this package registers every one of them.

The order matters only for sniffing files whose ending says nothing: the most specific
signatures (HL7's ``MSH|``, FHIR's ``resourceType``, magic numbers) are tried before the
lenient ones (JSON lines, then delimited text).
"""

from sceau.sources.readers import hl7, fhir, jsonl, sql, parquet, xlsx, csv  # noqa: F401, I001
