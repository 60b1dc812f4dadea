-- Undo phase 1: the queues it made, the extensions it made (when nothing
-- else uses them), its schema.
DO $$
BEGIN
	IF to_regclass('celery_migration.queues') IS NULL THEN
		RETURN;
	END IF;
	PERFORM pgmq.drop_queue(queue) FROM celery_migration.queues
		WHERE created AND queue IN (SELECT queue_name FROM pgmq.meta);
	IF EXISTS (SELECT FROM celery_migration.created WHERE extension = 'pg_cron')
	   AND NOT EXISTS (SELECT FROM cron.job) THEN
		DROP EXTENSION pg_cron;
	END IF;
	IF EXISTS (SELECT FROM celery_migration.created WHERE extension = 'pgmq')
	   AND NOT EXISTS (SELECT FROM pgmq.meta) THEN
		DROP EXTENSION pgmq;
	END IF;
	DROP SCHEMA celery_migration CASCADE;
END
$$;
