-- Phase 1, after the broker's queues are in celery_migration.queues.
SET client_min_messages = warning; -- no "already exists" notices on a run again
UPDATE celery_migration.queues q SET created = NOT EXISTS
	(SELECT FROM pgmq.meta m WHERE m.queue_name = q.queue)
	WHERE created IS NULL;
SELECT pgmq.create(queue) FROM celery_migration.queues ORDER BY queue;
SELECT queue_name AS pgmq_queue FROM pgmq.list_queues()
	WHERE queue_name IN (SELECT queue FROM celery_migration.queues) ORDER BY 1;
