"""A child's record for outside the app: the data of one export (record.py) as CSV and as
a FHIR R4 Bundle (fhir.py). Staff download it from the child's page (pwa/nurse/exports.py),
families their own copy from Settings (pwa/families/data_views.py). No routes of its own."""
