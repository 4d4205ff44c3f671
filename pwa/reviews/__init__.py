"""A nurse's work on a report: the claim, the review with its outcome, and replies to the family.

No routes: the nurse's and the family's pages use it."""
