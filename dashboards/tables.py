"""A dashboard table: the figures behind a chart, shown as a table (for screen readers and
printing) and exported as CSV from the same rows."""

import csv
from dataclasses import dataclass, field

from django.http import HttpResponse

from sendsupport.exports import spreadsheet_safe


@dataclass
class Table:
    key: str  # the CSV's name in the export URL
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    urls: list[str | None] = field(default_factory=list)  # a link for each row's first cell, if any
    empty: str = "Nothing recorded in this period."
    note: str = ""
    limit: int | None = None  # rows shown on the page (the CSV has them all)

    @property
    def shown_rows(self) -> list:
        return self.rows[: self.limit] if self.limit else self.rows

    @property
    def hidden(self) -> int:
        return len(self.rows) - len(self.shown_rows)

    @property
    def linked_rows(self):
        """(link, first cell, the other cells) for each row shown: the template's loop needs no test
        on each cell."""
        shown = self.shown_rows
        urls = (self.urls + [None] * len(shown))[: len(shown)]
        return [(url, row[0], row[1:]) for url, row in zip(urls, shown)]


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return response
