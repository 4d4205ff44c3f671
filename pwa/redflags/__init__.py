"""Red-flag rules: one JSON format, evaluated by the server and, identically, the browser.

No routes: the admin's pages (pwa/admin/clinical.py) edit the rules."""
