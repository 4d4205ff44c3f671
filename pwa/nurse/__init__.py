"""The nurse workspace: children, enrolment, invites and reset codes."""
