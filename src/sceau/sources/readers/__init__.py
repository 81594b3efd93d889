"""sceau's built-in readers: importing this package registers every one of them.

The order matters only for sniffing files whose ending says nothing: the most specific
signatures (HL7's ``MSH|``, FHIR's ``resourceType``, magic numbers; a workbook before any
other zip) are tried before the lenient ones (JSON lines, then delimited text).
"""

from sceau.sources.readers import hl7, fhir, jsonl, sql, parquet, xlsx, archive, csv  # noqa: F401, I001
