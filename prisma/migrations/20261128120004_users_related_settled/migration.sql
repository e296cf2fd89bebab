-- users.related_settled: true when the last sync left the user's credentials, certificates and
-- roles in the end state of "Synchronize inactive LDAP Users" (the sync sets it when it writes the
-- user). A re-run then needs no look at them: that look was most of a re-run's database work.
-- Any other change to them clears it, through the triggers below (written by hand: the schema
-- language has no triggers, and the schema engine leaves them alone). Deletions cannot take a
-- user out of the end state, so only inserts and updates count. The sync's own writes set
-- idm.sync_writing for their transaction and are not counted. A bulk load that bypasses triggers
-- (session_replication_role = replica) must clear the flag of the users it touches, and so must a
-- release that changes the job's outcome table (UPDATE users SET related_settled = false).

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "related_settled" BOOLEAN NOT NULL DEFAULT false;

-- Statement-level triggers with transition tables: one UPDATE of users per statement, whatever
-- its size. PostgreSQL allows a transition table on a single event only, hence two triggers each.
CREATE FUNCTION "users_related_changed_by_user_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('idm.sync_writing', true) = 'on' THEN RETURN NULL; END IF;
  UPDATE "users" u SET "related_settled" = false
  FROM (SELECT DISTINCT "user_id" FROM "changed") c
  WHERE u."id" = c."user_id" AND u."related_settled";
  RETURN NULL;
END $$;

CREATE FUNCTION "users_related_changed_by_credential_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('idm.sync_writing', true) = 'on' THEN RETURN NULL; END IF;
  UPDATE "users" u SET "related_settled" = false
  FROM (SELECT DISTINCT cr."user_id" FROM "changed" ch JOIN "credentials" cr ON cr."id" = ch."credential_id") c
  WHERE u."id" = c."user_id" AND u."related_settled";
  RETURN NULL;
END $$;

CREATE TRIGGER "credentials_inserted_unsettle_user" AFTER INSERT ON "credentials"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "users_related_changed_by_user_id"();
CREATE TRIGGER "credentials_updated_unsettle_user" AFTER UPDATE ON "credentials"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "users_related_changed_by_user_id"();
CREATE TRIGGER "user_roles_inserted_unsettle_user" AFTER INSERT ON "user_roles"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "users_related_changed_by_user_id"();
CREATE TRIGGER "user_roles_updated_unsettle_user" AFTER UPDATE ON "user_roles"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "users_related_changed_by_user_id"();
CREATE TRIGGER "certificates_inserted_unsettle_user" AFTER INSERT ON "certificates"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "users_related_changed_by_credential_id"();
CREATE TRIGGER "certificates_updated_unsettle_user" AFTER UPDATE ON "certificates"
  REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "users_related_changed_by_credential_id"();
