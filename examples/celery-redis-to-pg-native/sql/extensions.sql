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
-- queues phase loaded, past which each queue's sequence is set
CREATE TABLE IF NOT EXISTS celery_migration.queues (
	queue text PRIMARY KEY,
	created boolean,
	migrated_max_id bigint
);
-- each message the queues phase loaded, by its table and msg_id: what a run
-- again and rollback remove, and nothing else (a queue may have held
-- messages of its own before)
CREATE TABLE IF NOT EXISTS celery_migration.loaded (
	tbl text NOT NULL,
	msg_id bigint NOT NULL,
	PRIMARY KEY (tbl, msg_id)
);
-- the highest msg_id of the broker's queues that this migration did not
-- load: the migrated ids start past it, so they never meet a queue's own
CREATE OR REPLACE FUNCTION celery_migration.id_base() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	m bigint;
	base bigint := 0;
BEGIN
	FOR r IN SELECT format('pgmq.%I', 'q_' || lower(queue)) AS tbl
		 FROM celery_migration.queues LOOP
		CONTINUE WHEN to_regclass(r.tbl) IS NULL;
		EXECUTE format('SELECT max(msg_id) FROM %s t WHERE NOT EXISTS '
			       '(SELECT FROM celery_migration.loaded l '
			       'WHERE l.tbl = $1 AND l.msg_id = t.msg_id)', r.tbl)
			INTO m USING r.tbl;
		base := greatest(base, coalesce(m, 0));
	END LOOP;
	RETURN base;
END
$$;
