-- The worker's claim: the next due tasks, by priority, each to one worker
-- only (FOR UPDATE SKIP LOCKED), marked STARTED in the same statement.
UPDATE task SET status = 'STARTED', updated_at = now(), revision = revision + 1
WHERE id IN (
	SELECT id FROM task
	WHERE status = 'PENDING' AND (eta IS NULL OR eta <= now())
	ORDER BY priority DESC, id
	LIMIT 10
	FOR UPDATE SKIP LOCKED)
RETURNING id, uid, task;
