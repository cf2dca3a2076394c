"""One module per section of the comparison page; each builds its data (``build``) for its
template (``TEMPLATE``)."""
