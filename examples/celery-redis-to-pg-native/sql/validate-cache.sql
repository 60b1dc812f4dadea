-- Phase 3's check: the seed's query, and its counts against what the dump's
-- --stats reported (celery_migration.cache_audit).
SELECT count(*) AS total_keys,
       count(*) FILTER (WHERE expires_at > now()) AS active_keys,
       count(*) FILTER (WHERE expires_at <= now()) AS expired_keys
FROM cache;
DO $$
DECLARE
	a celery_migration.cache_audit;
	rows bigint;
	expired bigint;
	no_ttl bigint;
BEGIN
	SELECT * INTO STRICT a FROM celery_migration.cache_audit;
	SELECT count(*) INTO rows FROM cache;
	SELECT count(*) INTO expired FROM celery_migration.cache_expired;
	SELECT count(*) INTO no_ttl FROM cache WHERE expires_at = a.default_expires_at;
	IF rows + expired <> a.keys THEN
		RAISE EXCEPTION 'cache: % rows + % expired keys, but the dump''s --stats counted % keys',
			rows, expired, a.keys;
	END IF;
	IF rows - no_ttl + expired <> a.with_ttl THEN
		RAISE EXCEPTION 'cache: % rows with their TTL + % expired keys, but --stats counted % keys with a TTL',
			rows - no_ttl, expired, a.with_ttl;
	END IF;
	IF EXISTS (SELECT FROM cache WHERE expires_at <= a.as_of) THEN
		RAISE EXCEPTION 'cache: a key that had expired at % was loaded', a.as_of;
	END IF;
	RAISE NOTICE 'cache: % keys = % rows (% with the default expiry) + % expired, as --stats counted',
		a.keys, rows, no_ttl, expired;
END
$$;
