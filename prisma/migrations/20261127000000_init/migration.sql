-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "UserState" AS ENUM ('ACTIVE', 'INACTIVE');

-- CreateEnum
CREATE TYPE "UserSource" AS ENUM ('LOCAL', 'LDAP');

-- CreateEnum
CREATE TYPE "CredentialType" AS ENUM ('CARD', 'TEMPORARY_CARD', 'VIRTUAL_SMART_CARD', 'MOBILE_ID', 'SOFT_TOKEN');

-- CreateEnum
CREATE TYPE "CredentialState" AS ENUM ('ACTIVE', 'INACTIVE', 'LOCKED');

-- CreateEnum
CREATE TYPE "CertificateState" AS ENUM ('VALID', 'ON_HOLD', 'REVOKED');

-- CreateEnum
CREATE TYPE "RevocationReason" AS ENUM ('unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED', 'THRESHOLD_EXCEEDED');

-- CreateEnum
CREATE TYPE "RunTrigger" AS ENUM ('SCHEDULE', 'MANUAL', 'API', 'CLI');

-- CreateEnum
CREATE TYPE "RunItemOutcome" AS ENUM ('CREATED', 'UPDATED', 'UNCHANGED', 'FAILED');

-- CreateEnum
CREATE TYPE "AccountRole" AS ENUM ('ADMINISTRATOR', 'OPERATOR');

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "username_key" TEXT NOT NULL,
    "given_name" TEXT,
    "surname" TEXT,
    "display_name" TEXT,
    "email" TEXT,
    "employee_number" TEXT,
    "state" "UserState" NOT NULL DEFAULT 'ACTIVE',
    "source" "UserSource" NOT NULL DEFAULT 'LOCAL',
    "ldap_external_id" TEXT,
    "ldap_dn" TEXT,
    "last_synchronized_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credentials" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "type" "CredentialType" NOT NULL,
    "state" "CredentialState" NOT NULL DEFAULT 'ACTIVE',
    "label" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificates" (
    "id" SERIAL NOT NULL,
    "credential_id" INTEGER NOT NULL,
    "serial" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "issuer" TEXT,
    "state" "CertificateState" NOT NULL DEFAULT 'VALID',
    "valid_from" TIMESTAMPTZ(3),
    "valid_to" TIMESTAMPTZ(3),
    "revocation_reason" "RevocationReason",
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "roles" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,

    CONSTRAINT "roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_roles" (
    "user_id" INTEGER NOT NULL,
    "role_id" INTEGER NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_roles_pkey" PRIMARY KEY ("user_id","role_id")
);

-- CreateTable
CREATE TABLE "batch_jobs" (
    "key" TEXT NOT NULL,
    "process_name" TEXT NOT NULL,
    "symbolic_name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "cron_expression" TEXT,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "options" JSONB NOT NULL DEFAULT '{}',
    "active_run_id" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_jobs_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "batch_runs" (
    "id" SERIAL NOT NULL,
    "job_key" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "trigger" "RunTrigger" NOT NULL,
    "started_by" TEXT,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "confirmed" BOOLEAN NOT NULL DEFAULT false,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "cancel_requested_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "pages_applied" INTEGER NOT NULL DEFAULT 0,
    "entries_read" INTEGER NOT NULL DEFAULT 0,
    "entries_total" INTEGER,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "credentials_changed" INTEGER NOT NULL DEFAULT 0,
    "certificates_changed" INTEGER NOT NULL DEFAULT 0,
    "roles_withdrawn" INTEGER NOT NULL DEFAULT 0,
    "would_deactivate" INTEGER,
    "error_code" TEXT,
    "error" TEXT,

    CONSTRAINT "batch_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batch_run_items" (
    "id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "external_id" TEXT,
    "username" TEXT,
    "ldap_dn" TEXT,
    "user_id" INTEGER,
    "outcome" "RunItemOutcome" NOT NULL,
    "reason" TEXT,
    "changes" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_run_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ldap_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "urls" TEXT[],
    "start_tls" BOOLEAN NOT NULL DEFAULT false,
    "tls_ca_certificate" TEXT,
    "tls_reject_unauthorized" BOOLEAN NOT NULL DEFAULT true,
    "bind_dn" TEXT NOT NULL,
    "bind_password_encrypted" TEXT,
    "base_dn" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'sub',
    "connect_timeout_ms" INTEGER NOT NULL DEFAULT 5000,
    "operation_timeout_ms" INTEGER NOT NULL DEFAULT 30000,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ldap_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "display_name" TEXT,
    "password_hash" TEXT NOT NULL,
    "role" "AccountRole" NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "must_change_password" BOOLEAN NOT NULL DEFAULT false,
    "failed_sign_ins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_sign_in_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "account_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB,
    "ip" TEXT,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key_key" ON "users"("username_key");

-- CreateIndex
CREATE UNIQUE INDEX "users_ldap_external_id_key" ON "users"("ldap_external_id");

-- CreateIndex
CREATE INDEX "users_state_idx" ON "users"("state");

-- CreateIndex
CREATE INDEX "users_email_idx" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_employee_number_idx" ON "users"("employee_number");

-- CreateIndex
CREATE INDEX "users_surname_given_name_idx" ON "users"("surname", "given_name");

-- CreateIndex
CREATE INDEX "credentials_user_id_idx" ON "credentials"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_serial_key" ON "certificates"("serial");

-- CreateIndex
CREATE INDEX "certificates_credential_id_idx" ON "certificates"("credential_id");

-- CreateIndex
CREATE UNIQUE INDEX "roles_name_key" ON "roles"("name");

-- CreateIndex
CREATE INDEX "user_roles_role_id_idx" ON "user_roles"("role_id");

-- CreateIndex
CREATE UNIQUE INDEX "batch_jobs_active_run_id_key" ON "batch_jobs"("active_run_id");

-- CreateIndex
CREATE INDEX "batch_runs_job_key_queued_at_idx" ON "batch_runs"("job_key", "queued_at" DESC);

-- CreateIndex
CREATE INDEX "batch_runs_status_idx" ON "batch_runs"("status");

-- CreateIndex
CREATE INDEX "batch_run_items_run_id_outcome_idx" ON "batch_run_items"("run_id", "outcome");

-- CreateIndex
CREATE INDEX "batch_run_items_run_id_username_idx" ON "batch_run_items"("run_id", "username");

-- CreateIndex
CREATE INDEX "batch_run_items_user_id_idx" ON "batch_run_items"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_username_key" ON "accounts"("username");

-- CreateIndex
CREATE INDEX "sessions_account_id_idx" ON "sessions"("account_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_action_at_idx" ON "audit_events"("action", "at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_actor_at_idx" ON "audit_events"("actor", "at" DESC);

-- AddForeignKey
ALTER TABLE "credentials" ADD CONSTRAINT "credentials_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_credential_id_fkey" FOREIGN KEY ("credential_id") REFERENCES "credentials"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_runs" ADD CONSTRAINT "batch_runs_job_key_fkey" FOREIGN KEY ("job_key") REFERENCES "batch_jobs"("key") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_run_items" ADD CONSTRAINT "batch_run_items_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "batch_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

