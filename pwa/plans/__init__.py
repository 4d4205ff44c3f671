"""Treatment plans: the template, visits, home-medication periods and calendar feeds."""
