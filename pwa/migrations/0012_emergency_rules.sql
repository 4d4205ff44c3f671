-- Life-threatening signs put "Call 112" before the hospital's number (docs/clinical.md).
-- The shipped red rules for trouble breathing, a swollen face and being confused, very
-- sleepy or having a seizure are marked "emergency". Matched by rule id, so a shipped rule
-- an admin reworded is marked too; one an admin made amber is left alone (only red rules
-- can be emergencies).
UPDATE red_flag_rule
   SET definition = json_set(definition, '$.emergency', json('true'))
 WHERE json_extract(definition, '$.id') IN ('breathing-hard', 'swelling-face', 'nerves-confused')
   AND json_extract(definition, '$.level') = 'red';
