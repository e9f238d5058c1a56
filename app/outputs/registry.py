"""Every kind of output Cunwu writes for a person, in one list.

The disclosure tests render each kind listed here from a database with planted personal numbers and
look for them in what comes out (tests/test_disclosure_gate.py); a public writer function in
app/outputs that is not listed here fails those tests, so a new output cannot skip the check.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputKind:
    name: str
    writer: str  # "module:function" under app.outputs
    form: str  # pdf, xlsx, csv, json, text (terminal), screen


OUTPUTS: tuple[OutputKind, ...] = (
    OutputKind("bulletin-pdf", "bulletin_pdf:render_bulletin", "pdf"),
    OutputKind("bulletin-batch", "bulletin_batch:render_all", "pdf"),
    OutputKind("township-summary", "township_summary:summary_sheet", "pdf"),
    OutputKind("bulletin-xlsx", "bulletin_xlsx:write_bulletin_xlsx", "xlsx"),
    OutputKind("ledger-xlsx", "ledger_xlsx:write_ledger_xlsx", "xlsx"),
    OutputKind("listing-table", "listing:to_table", "text"),
    OutputKind("listing-csv", "listing:to_csv", "csv"),
    OutputKind("listing-json", "listing:to_json", "json"),
    OutputKind("csv-document", "listing:csv_text", "csv"),
    OutputKind("notice-pdf", "notice_pdf:render_notice", "pdf"),
    OutputKind("catalog-poster", "catalog_poster:render_poster", "pdf"),
    OutputKind("filing-index-pdf", "filing_index:render_index_pdf", "pdf"),
    OutputKind("filing-index-xlsx", "filing_index:write_index_xlsx", "xlsx"),
    OutputKind("box-labels", "box_labels:render_labels", "pdf"),
    OutputKind("due-xlsx", "due_xlsx:write_due_xlsx", "xlsx"),
    OutputKind("table-pdf", "table_pdf:render_table", "pdf"),
    OutputKind("table-pdfs", "table_pdf:render_tables", "pdf"),
    OutputKind("terminal", "terminal:gated", "text"),
)

# Public functions in app/outputs that make no output of their own (they write bytes a listed kind made).
NOT_OUTPUTS: frozenset[str] = frozenset({"atomic:write_bytes"})
