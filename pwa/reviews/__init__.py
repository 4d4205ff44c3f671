"""A nurse's work on a report: the claim, the review with its outcome, and replies to the family."""
