// The diary page script: see the outbox in static/js/outbox.js.
