-- Phase 2, before a load: what an earlier run loaded goes (its msg_ids), so
-- that a run again leaves each queue holding what the broker holds now.
-- Also undoes phase 2 (rollback-queues).
DO $$
DECLARE
	r record;
BEGIN
	IF to_regclass('celery_migration.queues') IS NULL THEN
		RETURN;
	END IF;
	FOR r IN SELECT queue, migrated_max_id FROM celery_migration.queues
		 WHERE migrated_max_id IS NOT NULL LOOP
		IF to_regclass(format('pgmq.%I', 'q_' || lower(r.queue))) IS NOT NULL THEN
			EXECUTE format('DELETE FROM pgmq.%I WHERE msg_id <= $1',
				       'q_' || lower(r.queue)) USING r.migrated_max_id;
		END IF;
	END LOOP;
	UPDATE celery_migration.queues SET migrated_max_id = NULL;
END
$$;
