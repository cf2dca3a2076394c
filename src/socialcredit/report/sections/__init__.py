"""One module per report section; each builds its section's data from a RunData (``build``,
registering its charts on the Page) for its template (``TEMPLATE``, under ``templates/report``)."""
