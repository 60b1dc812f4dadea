-- Phase 2, after the load: each queue's msg_id sequence past the loaded ids
-- (never back), so pgmq.send continues after them; the highest id recorded.
DO $$
DECLARE
	r record;
	m bigint;
	last bigint;
	q text;
	seq text;
BEGIN
	FOR r IN SELECT queue FROM celery_migration.queues LOOP
		q := format('pgmq.%I', 'q_' || lower(r.queue));
		EXECUTE format('SELECT max(msg_id) FROM %s', q) INTO m;
		UPDATE celery_migration.queues SET migrated_max_id = m
			WHERE queue = r.queue;
		seq := pg_get_serial_sequence(q, 'msg_id');
		EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s', seq)
			INTO last;
		IF m > last THEN
			PERFORM setval(seq, m);
		END IF;
	END LOOP;
END
$$;
SELECT queue_name, queue_length, newest_msg_age_sec IS NOT NULL AS has_messages
	FROM pgmq.metrics_all()
	WHERE queue_name IN (SELECT queue FROM celery_migration.queues) ORDER BY 1;
