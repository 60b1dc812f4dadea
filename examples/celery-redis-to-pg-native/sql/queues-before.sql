-- Phase 2, before a load: the messages an earlier run loaded go, by the ids
-- it recorded (celery_migration.loaded), and only those: a queue's own
-- messages, and those pgmq.send added since, stay.  So a run again leaves
-- each queue holding what the broker holds now.  Also undoes phase 2
-- (rollback-queues).
DO $$
DECLARE
	r record;
BEGIN
	IF to_regclass('celery_migration.loaded') IS NULL THEN
		RETURN;
	END IF;
	FOR r IN SELECT DISTINCT tbl FROM celery_migration.loaded LOOP
		IF to_regclass(r.tbl) IS NOT NULL THEN
			EXECUTE format('DELETE FROM %s WHERE msg_id IN '
				       '(SELECT msg_id FROM celery_migration.loaded WHERE tbl = $1)',
				       r.tbl::regclass) USING r.tbl;
		END IF;
	END LOOP;
	TRUNCATE celery_migration.loaded;
	UPDATE celery_migration.queues SET migrated_max_id = NULL;
END
$$;
