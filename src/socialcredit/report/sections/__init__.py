"""One module per report section; each turns a RunData into HTML (and charts on the Page)."""
