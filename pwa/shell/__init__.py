"""The installable, offline app shell: manifest, service worker, offline page."""
