-- Phase 1: the extensions, and the migration's own records (schema
-- celery_migration): which extensions and queues it made, so that rollback
-- removes exactly those.
SET client_min_messages = warning; -- no "already exists" notices on a run again
CREATE SCHEMA IF NOT EXISTS celery_migration;
CREATE TABLE IF NOT EXISTS celery_migration.created (extension text PRIMARY KEY);
INSERT INTO celery_migration.created
	SELECT e FROM unnest(ARRAY['pgmq', 'pg_cron']) e
	WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = e)
	ON CONFLICT DO NOTHING;
CREATE EXTENSION IF NOT EXISTS pgmq;
CREATE EXTENSION IF NOT EXISTS pg_cron;
-- the queues found in the broker; migrated_max_id: the highest msg_id the
-- queues phase loaded (rows up to it are the migration's)
CREATE TABLE IF NOT EXISTS celery_migration.queues (
	queue text PRIMARY KEY,
	created boolean,
	migrated_max_id bigint
);
