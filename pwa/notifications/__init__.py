"""Push notifications: VAPID keys, subscriptions, the job outbox, quiet hours, the sender."""
