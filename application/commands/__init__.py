"""The application's commands, one module per area: orders, volunteers and teams, dispatch, supervision."""
