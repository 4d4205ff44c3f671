"""Red-flag rules: one JSON format, evaluated by the server and, identically, the browser."""
