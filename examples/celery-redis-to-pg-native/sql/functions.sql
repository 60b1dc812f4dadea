-- Phase 4: the seed's scheduled work as SQL functions that enqueue a task
-- into pgmq, as Celery beat enqueued it into the broker.  pg_cron calls them.
CREATE OR REPLACE FUNCTION calculate_daily_oee() RETURNS bigint
LANGUAGE sql AS $$
	SELECT pgmq.send('background_jobs', jsonb_build_object(
		'job_type', 'reports.tasks.calculate_daily_oee',
		'args', jsonb_build_array(),
		'kwargs', jsonb_build_object('day', (now() AT TIME ZONE 'UTC')::date - 1)))
$$;
CREATE OR REPLACE FUNCTION check_inventory_thresholds() RETURNS bigint
LANGUAGE sql AS $$
	SELECT pgmq.send('email_notifications', jsonb_build_object(
		'job_type', 'inventory.tasks.check_inventory_alerts',
		'args', jsonb_build_array(),
		'kwargs', jsonb_build_object()))
$$;
