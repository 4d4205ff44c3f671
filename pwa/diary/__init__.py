"""The symptom diary: the report form, the sync API, photos, history and trends."""
