-- "Custom filter" no longer has a unique id or attribute mapping of its own: a job on it names
-- both (lib/sync/job-options.ts refuses it otherwise). Until now such a job ran with the OpenLDAP
-- defaults, entryUUID and uid/givenName/sn/displayName/mail/employeeNumber, so those are written
-- into its options explicitly: its runs link and map every entry exactly as before.
--
-- A unique id the job already names is kept, as is every mapping field it has, including a field
-- it maps to null on purpose (nothing is read for it); only absent fields are added. The username
-- cannot be "not mapped": a null or empty one becomes uid, as it ran. Jobs on the other presets
-- are untouched: their presets still say the same.
--
-- Hand-written: no schema change (batch_jobs.options is JSONB); the schema engine leaves it alone.
UPDATE "batch_jobs"
SET "options" = jsonb_set(
      "options" || jsonb_build_object('uniqueIdAttribute', COALESCE(NULLIF(btrim("options"->>'uniqueIdAttribute'), ''), 'entryUUID')),
      '{mapping}',
      '{"username": "uid", "givenName": "givenName", "surname": "sn", "displayName": "displayName", "email": "mail", "employeeNumber": "employeeNumber"}'::jsonb
        || CASE WHEN jsonb_typeof("options"->'mapping') = 'object' THEN "options"->'mapping' ELSE '{}'::jsonb END
    )
WHERE jsonb_typeof("options") = 'object' AND "options"->>'filterPreset' = 'custom';

UPDATE "batch_jobs"
SET "options" = jsonb_set("options", '{mapping,username}', '"uid"')
WHERE jsonb_typeof("options") = 'object' AND "options"->>'filterPreset' = 'custom'
  AND NULLIF(btrim("options"->'mapping'->>'username'), '') IS NULL;
