"""The loops that run beside the API: projections catching up, supervision applying the deadlines (and, to come,
webhook delivery). Each is a plain function over the system bootstrap.py builds; the CLI runs them."""
