"""The demo district generator: volunteers, teams and orders in every state, through the application (not
application code: nothing in application/ imports it)."""
