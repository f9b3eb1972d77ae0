"""Service-record certificates on the web (DESIGN §17): the API that issues them (JSON or PDF) and the public
verification page."""
