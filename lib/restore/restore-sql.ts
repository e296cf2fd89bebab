// The one statement a page of a restore run executes (lib/restore/run-restore.ts). Set-based: a
// page of the restored run's items (in item id order, after the cursor) is read, every person's
// current state is compared with what the run left (its recorded `after`), and in the same
// statement the people nobody touched since are moved back to the recorded `before`, and every
// item is recorded with its verdict. $6 = false is the dry run (the preview): every write is
// switched off by its WHERE clause, so the preview records exactly what the restore would do.
//
//   $1 restore run id, $2 restored run id, $3 cursor (exclusive), $4 last item id of the run, $5 page size, $6 write
//
// Verdicts, in the order they are decided:
//   CREATED          the run created the user: kept (inactive); README "Restore a run" says why
//   RESTORED_BEFORE  an earlier (cancelled or failed) restore of the same run restored it
//   LATER_RUN        a later run wrote the user                                    } conflicts:
//   GONE             the user no longer exists                                      } skipped,
//   USER_CHANGED     its state or attributes are no longer what the run left, or   } listed,
//                    it was updated since in any other field                        }
//   CREDENTIAL_CHANGED / CERTIFICATE_CHANGED: the same for a credential, a certificate } never
//   ROLES_CHANGED    a role was granted after the run (the run withdrew them all)   } overwritten
//   USERNAME_TAKEN / LINK_TAKEN: the previous username or directory link is now another user's
//   RESTORE          restored
// Irreversible, whatever the verdict: certificates the run revoked (revocation is final) and
// withdrawn roles that no longer exist; listed with the credential they belong to.

export const CONFLICT_VERDICTS = ['LATER_RUN', 'GONE', 'USER_CHANGED', 'CREDENTIAL_CHANGED', 'CERTIFICATE_CHANGED', 'ROLES_CHANGED', 'USERNAME_TAKEN', 'LINK_TAKEN'] as const;

const USER_COLUMNS: readonly [key: string, column: string, cast?: string][] = [
  ['username', 'username'],
  ['givenName', 'given_name'],
  ['surname', 'surname'],
  ['displayName', 'display_name'],
  ['email', 'email'],
  ['employeeNumber', 'employee_number'],
  ['ldapExternalId', 'ldap_external_id'],
  ['ldapDn', 'ldap_dn'],
  ['state', 'state', 'UserState'],
  ['source', 'source', 'UserSource'],
];

const nowUser = `jsonb_build_object(${USER_COLUMNS.map(([k, c]) => `'${k}', u.${c}`).join(', ')})`;
const restoreColumns = USER_COLUMNS.map(
  ([k, c, cast]) => `${c} = CASE WHEN o.b ? '${k}' THEN (o.b->>'${k}')${cast ? `::"${cast}"` : ''} ELSE u.${c} END`,
).join(',\n        ');

/** A string (or SQL NULL) as JSON text: to_json escapes it as jsonb printed it. */
const q = (sql: string) => `COALESCE(to_json(${sql})::text, 'null')`;

const REASONS = `CASE v.verdict
      WHEN 'RESTORE' THEN CASE WHEN v.irr_n > 0 THEN v.irr_n || ' certificate(s) the run revoked stay revoked: re-issue the credential.' END
      WHEN 'CREATED' THEN 'Created by run #' || $2 || ': kept, inactive (a restore deletes nobody).'
      WHEN 'RESTORED_BEFORE' THEN 'Already restored by run #' || v.later_run || '.'
      WHEN 'LATER_RUN' THEN 'Conflict: changed again by run #' || v.later_run || ' after run #' || $2 || '; skipped, not overwritten.'
      WHEN 'GONE' THEN 'Conflict: the user no longer exists; skipped.'
      WHEN 'USER_CHANGED' THEN 'Conflict: the user''s state or attributes changed after run #' || $2 || '; skipped, not overwritten.'
      WHEN 'CREDENTIAL_CHANGED' THEN 'Conflict: a credential changed after run #' || $2 || '; skipped, not overwritten.'
      WHEN 'CERTIFICATE_CHANGED' THEN 'Conflict: a certificate changed after run #' || $2 || '; skipped, not overwritten.'
      WHEN 'ROLES_CHANGED' THEN 'Conflict: a role was granted after run #' || $2 || '; skipped, not overwritten.'
      WHEN 'USERNAME_TAKEN' THEN 'Conflict: the previous username ' || (v.ch->'user'->'before'->>'username') || ' now belongs to another user; skipped.'
      WHEN 'LINK_TAKEN' THEN 'Conflict: the previous directory link now belongs to another user; skipped.'
    END`;

/**
 * Sent unnamed, so that PostgreSQL plans it for each page's parameters (a named statement gets a
 * generic plan from its sixth run on; run-restore.ts says what that plan cost). Parsing it again
 * each page costs ~3.5 ms, planning it ~10 ms, of a page's ~375 ms (100k bench).
 */
export const RESTORE_PAGE = {
  text: `
  WITH src AS MATERIALIZED (
    -- idm.sync_writing: the users' related_settled flag is cleared by this statement itself.
    SELECT i.id AS item_id, i.user_id, i.external_id, i.username, i.ldap_dn, i.outcome::text AS outcome, i.changes::jsonb AS ch,
           i.created_at AS written_at, set_config('idm.sync_writing', 'on', true) AS sync_writing
    FROM batch_run_items i
    WHERE i.id > $3::bigint AND i.id <= $4::bigint AND i.run_id = $2 AND i.outcome IN ('CREATED', 'UPDATED')
    ORDER BY i.id LIMIT $5
  ), later AS MATERIALIZED (
    -- The last run after the restored one that wrote the user (dry runs and stopped runs wrote nothing),
    -- looked up person by person in batch_run_items_user_writes_idx (its migration says why): as a
    -- join it read every item of every later run, the restore's own included, on every page.
    -- run_id + 0: no index on run_id may serve this. Until autovacuum analyzes batch_run_items
    -- (the restored run's items just written), the planner believed few items lie after the
    -- restored run and scanned them backwards for each person, the restore's own included, which
    -- grow with every page: pages took 0.4 s, then 16 s by the 30th (1,000,000 people).
    SELECT s.item_id, l.run_id, l.restored
    FROM src s CROSS JOIN LATERAL (
      SELECT lr.id AS run_id, lr.restore_of_run_id IS NOT DISTINCT FROM $2 AS restored
      FROM batch_run_items li JOIN batch_runs lr ON lr.id = li.run_id AND NOT lr.dry_run AND lr.status <> 'THRESHOLD_EXCEEDED'
      WHERE li.user_id = s.user_id AND li.run_id + 0 > $2 AND li.run_id <> $1 AND li.outcome IN ('CREATED', 'UPDATED')
      ORDER BY li.run_id DESC LIMIT 1) l
  ), cur AS MATERIALIZED (
    SELECT s.item_id, u.id, ${nowUser} AS now_user, u.updated_at FROM src s JOIN users u ON u.id = s.user_id
  ), cr AS MATERIALIZED (
    SELECT s.item_id, s.user_id, (c->>'id')::int AS id, c->>'type' AS type, c->>'label' AS label, c->>'before' AS before,
           c->>'after' AS after, COALESCE(c->'certificates', '[]'::jsonb) AS certs,
           -- Looked up by key, row by row: as a join the planner (expecting 100 elements per array)
           -- hashed all of credentials (250,000 rows, 320 of a page's 1,950 ms at 100k people) and
           -- certificates (375,000 rows, 445 ms) for each page of 1,000 people.
           (SELECT k.state::text FROM credentials k WHERE k.id = (c->>'id')::int AND k.user_id = s.user_id) AS now_state
    FROM src s CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.ch->'credentials', '[]'::jsonb)) c
  ), ct AS MATERIALIZED (
    SELECT cr.item_id, cr.id AS credential_id, cr.type, cr.label, (x->>'id')::int AS id, x->>'serial' AS serial,
           x->>'before' AS before, x->>'after' AS after, x->>'revocationReason' AS reason,
           (SELECT e.state::text FROM certificates e WHERE e.id = (x->>'id')::int AND e.credential_id = cr.id) AS now_state
    FROM cr CROSS JOIN LATERAL jsonb_array_elements(cr.certs) x
  ), ro AS MATERIALIZED (
    SELECT s.item_id, s.user_id, (r->>'id')::int AS id, r->>'name' AS name, k.id AS now_id
    FROM src s CROSS JOIN LATERAL jsonb_array_elements(COALESCE(s.ch->'rolesWithdrawn', '[]'::jsonb)) r
    LEFT JOIN roles k ON k.id = (r->>'id')::int
  ), cr_changed AS MATERIALIZED (
    -- People with a credential or certificate no longer as the run left it: joined once per page
    -- (a test per person scanned all of the page's certificates for each: 1,000 x 3,750 rows).
    SELECT DISTINCT item_id FROM cr WHERE now_state IS DISTINCT FROM after
  ), ct_changed AS MATERIALIZED (
    SELECT DISTINCT item_id FROM ct WHERE now_state IS DISTINCT FROM after
  ), v AS MATERIALIZED (
    SELECT s.*, l.run_id AS later_run,
      CASE
        WHEN s.outcome = 'CREATED' THEN 'CREATED'
        WHEN l.restored THEN 'RESTORED_BEFORE'
        WHEN l.run_id IS NOT NULL THEN 'LATER_RUN'
        WHEN cu.id IS NULL THEN 'GONE'
        -- The run left every user inactive, with the attributes it recorded as after.
        WHEN NOT (('{"state":"INACTIVE"}'::jsonb || COALESCE(s.ch->'user'->'after', '{}'::jsonb)) <@ cu.now_user) THEN 'USER_CHANGED'
        -- Changed since in a field the run did not touch: the run wrote the user in the item's
        -- transaction (its updated_at is the item's created_at); a later write by a run or a
        -- restore was told apart above, so a later updated_at is a change by hand (the app).
        WHEN cu.updated_at > s.written_at THEN 'USER_CHANGED'
        WHEN crc.item_id IS NOT NULL THEN 'CREDENTIAL_CHANGED'
        WHEN ctc.item_id IS NOT NULL THEN 'CERTIFICATE_CHANGED'
        -- The run withdrew every role: any role now was granted since.
        WHEN EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = s.user_id) THEN 'ROLES_CHANGED'
        WHEN s.ch->'user'->'before' ? 'username' AND EXISTS (
          SELECT 1 FROM users o WHERE o.username_key = lower(normalize(s.ch->'user'->'before'->>'username', NFC)) AND o.id <> s.user_id) THEN 'USERNAME_TAKEN'
        WHEN s.ch->'user'->'before'->>'ldapExternalId' IS NOT NULL AND EXISTS (
          SELECT 1 FROM users o WHERE o.ldap_external_id = s.ch->'user'->'before'->>'ldapExternalId' AND o.id <> s.user_id) THEN 'LINK_TAKEN'
        ELSE 'RESTORE'
      END AS verdict
    FROM src s LEFT JOIN later l ON l.item_id = s.item_id LEFT JOIN cur cu ON cu.item_id = s.item_id
      LEFT JOIN cr_changed crc ON crc.item_id = s.item_id LEFT JOIN ct_changed ctc ON ctc.item_id = s.item_id
  ), ok AS MATERIALIZED (
    SELECT item_id, user_id, COALESCE(ch->'user'->'before', '{}'::jsonb) AS b FROM v WHERE verdict = 'RESTORE'
  ), uu AS (
    UPDATE users u SET
        ${restoreColumns},
        username_key = CASE WHEN o.b ? 'username' THEN lower(normalize(o.b->>'username', NFC)) ELSE u.username_key END,
        related_settled = false, updated_at = now()
    FROM ok o WHERE $6 AND u.id = o.user_id
    RETURNING 1
  ), uc AS (
    -- Only from the state the run left (a concurrent change is a conflict: the page is applied again).
    UPDATE credentials k SET state = cr.before::"CredentialState", updated_at = now()
    FROM cr JOIN ok ON ok.item_id = cr.item_id
    WHERE $6 AND k.id = cr.id AND cr.before <> cr.after AND k.state::text = cr.after
    RETURNING 1
  ), ucert AS (
    -- Released from hold; a revoked certificate is never touched.
    UPDATE certificates e SET state = ct.before::"CertificateState", revocation_reason = NULL, revoked_at = NULL, updated_at = now()
    FROM ct JOIN ok ON ok.item_id = ct.item_id
    WHERE $6 AND e.id = ct.id AND ct.after = 'ON_HOLD' AND e.state = 'ON_HOLD'
    RETURNING 1
  ), ur AS (
    -- No ON CONFLICT: a person is restored only with no role now (ROLES_CHANGED otherwise), so a
    -- duplicate can only be a grant made since the page read: the unique violation rolls the page
    -- back and it is decided again (lib/restore/run-restore.ts), as a lost write would. Speculative
    -- insertion cost every grant its own extra index probe. In key order: the primary key's leaf
    -- pages are then visited once each.
    INSERT INTO user_roles (user_id, role_id)
    SELECT ro.user_id, ro.id FROM ro JOIN ok ON ok.item_id = ro.item_id WHERE $6 AND ro.now_id IS NOT NULL
    ORDER BY ro.user_id, ro.id
    RETURNING 1
  ), certj AS (
    -- The reversal is written as json text, as the sync writes its items (lib/sync/page-sql/json-text.ts
    -- jsonObjectText). With jsonb_build_object per object, jsonb_agg, || and a cast to json, building
    -- a page's 1,000 reversals took 163 ms above reading them; as text 57 ms (medians of 60 pages
    -- of the 100k bench's restore, read only, alternated, load 4-6). Keys in jsonb's order (by
    -- length, then bytes), as the jsonb this replaced printed them: a client parsing an item gets
    -- the same object, key by key (checked on the bench's 20,000 items: identical JSON.stringify).
    SELECT ct.item_id, ct.credential_id, count(*) AS n,
           string_agg('{"id":' || ct.id || ',"after":' || ${q('ct.before')} || ',"before":' || ${q('ct.after')} ||
                      ',"serial":' || ${q('ct.serial')} || ',"revocationReason":null}', ',' ORDER BY ct.id) AS j
    FROM ct WHERE ct.after = 'ON_HOLD' GROUP BY ct.item_id, ct.credential_id
  ), credj AS (
    SELECT cr.item_id, count(*) FILTER (WHERE cr.before <> cr.after) AS n, COALESCE(sum(certj.n), 0) AS certificates,
           '[' || string_agg('{"id":' || cr.id || ',"type":' || ${q('cr.type')} || ',"after":' || ${q('cr.before')} || ',"label":' || ${q('cr.label')} ||
                             ',"before":' || ${q('cr.after')} || ',"certificates":[' || COALESCE(certj.j, '') || ']}', ',' ORDER BY cr.id) || ']' AS j
    FROM cr LEFT JOIN certj ON certj.item_id = cr.item_id AND certj.credential_id = cr.id
    WHERE cr.before <> cr.after OR certj.n IS NOT NULL
    GROUP BY cr.item_id
  ), irr AS (
    SELECT ct.item_id, count(*) AS n,
           '[' || string_agg('{"serial":' || ${q('ct.serial')} || ',"credentialId":' || ct.credential_id || ',"certificateId":' || ct.id ||
                             ',"credentialType":' || ${q('ct.type')} || ',"credentialLabel":' || ${q('ct.label')} ||
                             ',"revocationReason":' || ${q('ct.reason')} || '}', ',' ORDER BY ct.id) || ']' AS j
    FROM ct WHERE ct.after = 'REVOKED' GROUP BY ct.item_id
  ), rolej AS (
    SELECT item_id, count(*) FILTER (WHERE now_id IS NOT NULL) AS n, count(*) FILTER (WHERE now_id IS NULL) AS gone,
           '[' || string_agg('{"id":' || id || ',"name":' || ${q('name')} || '}', ',' ORDER BY id) FILTER (WHERE now_id IS NOT NULL) || ']' AS j,
           '[' || string_agg('{"id":' || id || ',"name":' || ${q('name')} || '}', ',' ORDER BY id) FILTER (WHERE now_id IS NULL) || ']' AS gone_j
    FROM ro GROUP BY item_id
  ), vj AS MATERIALIZED (
    -- Each person's verdict with its reversal and counts, joined once: the items and the page's
    -- counters both read it (they joined v to credj, irr and rolej each).
    SELECT v.item_id, v.external_id, v.username, v.ldap_dn, v.user_id, v.verdict, v.later_run, v.ch,
           CASE WHEN v.verdict = 'RESTORE' THEN credj.n END AS credentials, CASE WHEN v.verdict = 'RESTORE' THEN credj.certificates END AS certificates,
           CASE WHEN v.verdict = 'RESTORE' THEN rolej.n END AS roles, COALESCE(irr.n, 0) + COALESCE(rolej.gone, 0) AS irreversible,
           irr.n AS irr_n,
           -- Top-level keys in jsonb's order: user, restore, credentials, irreversible, rolesGranted.
           ('{' || concat_ws(',',
               CASE WHEN v.verdict = 'RESTORE' AND v.ch->'user' IS NOT NULL
                    THEN '"user":{"after":' || COALESCE((v.ch->'user'->'before')::text, 'null') || ',"before":' || COALESCE((v.ch->'user'->'after')::text, 'null') || '}' END,
               '"restore":{"runId":' || $2::int || ',"itemId":' || v.item_id || ',"verdict":"' || v.verdict || '","laterRunId":' || COALESCE(v.later_run::text, 'null') || '}',
               CASE WHEN v.verdict = 'RESTORE' THEN '"credentials":' || credj.j END,
               CASE WHEN irr.j IS NOT NULL OR rolej.gone_j IS NOT NULL
                    THEN '"irreversible":{"rolesDeleted":' || COALESCE(rolej.gone_j, '[]') || ',"certificatesRevoked":' || COALESCE(irr.j, '[]') || '}' END,
               CASE WHEN v.verdict = 'RESTORE' THEN '"rolesGranted":' || rolej.j END) || '}')::json AS changes
    FROM v LEFT JOIN credj ON credj.item_id = v.item_id LEFT JOIN irr ON irr.item_id = v.item_id LEFT JOIN rolej ON rolej.item_id = v.item_id
  ), it AS (
    INSERT INTO batch_run_items (run_id, external_id, username, ldap_dn, user_id, outcome, reason, changes)
    SELECT $1, v.external_id, v.username, v.ldap_dn, v.user_id,
           (CASE WHEN v.verdict = 'RESTORE' THEN 'UPDATED' WHEN v.verdict IN ('CREATED', 'RESTORED_BEFORE') THEN 'UNCHANGED' ELSE 'FAILED' END)::"RunItemOutcome",
           ${REASONS},
           v.changes
    FROM vj v
    ORDER BY v.item_id
    RETURNING 1
  )
  SELECT (SELECT max(item_id) FROM src) AS last_item_id,
         count(*)::int AS items,
         count(*) FILTER (WHERE verdict = 'RESTORE')::int AS restored,
         count(*) FILTER (WHERE verdict IN ('CREATED', 'RESTORED_BEFORE'))::int AS unchanged,
         count(*) FILTER (WHERE verdict NOT IN ('RESTORE', 'CREATED', 'RESTORED_BEFORE'))::int AS conflicts,
         COALESCE(sum(credentials), 0)::int AS credentials,
         COALESCE(sum(certificates), 0)::int AS certificates,
         COALESCE(sum(roles), 0)::int AS roles,
         COALESCE(sum(irreversible), 0)::int AS irreversible,
         -- Writes that did not happen although the snapshot said they would: someone changed those rows
         -- meanwhile. The writes expected are the counters (credj counts the credentials moved and the
         -- certificates released, rolej the roles that still exist: what uc, ucert and ur write).
         CASE WHEN $6 THEN
           (count(*) FILTER (WHERE verdict = 'RESTORE') - (SELECT count(*) FROM uu))
           + (COALESCE(sum(credentials), 0) - (SELECT count(*) FROM uc))
           + (COALESCE(sum(certificates), 0) - (SELECT count(*) FROM ucert))
           + (COALESCE(sum(roles), 0) - (SELECT count(*) FROM ur))
           + (count(*) - (SELECT count(*) FROM it))
         ELSE 0 END::int AS lost_writes
  FROM vj`,
};

/**
 * The pages a restore attempt still has to apply: the restored run's items after the cursor that
 * no item of this restore records yet (`changes.restore.itemId`, written in the page's
 * transaction), in pages of at most $4 items that never straddle one already applied. Pages may
 * commit out of order (lib/restore/run-restore.ts applies two at once), so the cursor only says
 * that everything up to it is done; what lies beyond it is told by the items. A page is
 * (after, last]: the items of the restored run in that id range, exactly those of the page.
 *
 *   $1 restore run id, $2 restored run id, $3 cursor, $4 page size, $5 resuming (false: no item yet, nothing to look up)
 */
export const REMAINING_PAGES = {
  name: 'restore-remaining-pages',
  text: `
  WITH items AS (
    SELECT i.id, i.user_id, row_number() OVER (ORDER BY i.id) AS n
    FROM batch_run_items i
    WHERE i.run_id = $2 AND i.outcome IN ('CREATED', 'UPDATED') AND i.id > $3::bigint
  ), rest AS (
    -- Consecutive items still to do share an island (gaps and islands): a page stays inside one.
    SELECT it.id, it.n - row_number() OVER (ORDER BY it.id) AS island
    FROM items it
    WHERE NOT $5 OR NOT EXISTS (
      SELECT 1 FROM batch_run_items r
      WHERE r.user_id = it.user_id AND r.run_id = $1 AND (r.changes->'restore'->>'itemId')::bigint = it.id)
  ), paged AS (
    SELECT id, island, (row_number() OVER (PARTITION BY island ORDER BY id) - 1) / $4 AS page FROM rest
  )
  SELECT (min(id) - 1)::text AS after, max(id)::text AS last, count(*)::int AS items
  FROM paged GROUP BY island, page ORDER BY min(id)`,
};

/** Whether a page is already applied (its last item restored by this run): asked before a page is tried again. $1 restore run id, $2 the page's last item id. */
export const PAGE_APPLIED = {
  name: 'restore-page-applied',
  text: `
  SELECT EXISTS (
    SELECT 1 FROM batch_run_items i JOIN batch_run_items r ON r.user_id = i.user_id AND r.run_id = $1
    WHERE i.id = $2::bigint AND (r.changes->'restore'->>'itemId')::bigint = i.id) AS applied`,
};

/**
 * The page's counters added to the restore run's, in the page's transaction, while the attempt
 * owns the run. $3 is the cursor: the last item of the longest run of applied pages from the
 * start, this one included (GREATEST: pages commit in any order, the cursor never moves back).
 */
export const COUNT_RESTORE_PAGE = {
  name: 'restore-count-page',
  text: `
  UPDATE batch_runs SET pages_applied = pages_applied + 1, restore_cursor = GREATEST(restore_cursor, $2::bigint), entries_read = entries_read + $3,
         updated = updated + $4, unchanged = unchanged + $5, failed = failed + $6, credentials_changed = credentials_changed + $7,
         certificates_changed = certificates_changed + $8, roles_withdrawn = roles_withdrawn + $9, irreversible = irreversible + $10
  WHERE id = $1 AND status = 'RUNNING' AND attempts = $11::int
  RETURNING cancel_requested_at`,
};
