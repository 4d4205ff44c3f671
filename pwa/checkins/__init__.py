"""Daily check-ins during risk windows: the admin's rule, the days it makes of each child's
plan, and which of those days had a report.

No routes: the admin's page (pwa/admin/checkins.py) edits the rule, home and the nurses'
pages show the days, and the notifications planner reminds the family."""
