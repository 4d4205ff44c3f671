-- The shipped amber pain rule fires at a pain of 4 or more ("op": ">=", "value": 4), so a
-- pain of 8 listed both "Pain of 7 or more" and "Pain of 4 to 6". Its reason now says what
-- it checks. Only the shipped text is changed: a rule an admin edited stays as it is.
UPDATE red_flag_rule
   SET definition = '{"id": "pain-moderate", "level": "amber", "item": "pain", "op": ">=", "value": 4, "reason": {"en": "Pain of 4 or more", "nl": "Pijn van 4 of meer"}}'
 WHERE definition = '{"id": "pain-moderate", "level": "amber", "item": "pain", "op": ">=", "value": 4, "reason": {"en": "Pain of 4 to 6", "nl": "Pijn van 4 tot 6"}}';
