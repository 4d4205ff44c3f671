-- Nothing: this number is held for a migration of its own, which replaces this file.
SELECT 1;
