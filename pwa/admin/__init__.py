"""The hospital admin's area: settings that shape every family's plan and pages."""
