-- Phase 3: the cache table (UNLOGGED: a cache, rebuilt after a crash), the
-- keys skipped because they had expired, and the dump's own audit.
SET client_min_messages = warning; -- no "already exists" notices on a run again
CREATE SCHEMA IF NOT EXISTS celery_migration;
CREATE UNLOGGED TABLE IF NOT EXISTS cache (
	cache_key text PRIMARY KEY,
	cache_value jsonb,
	expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_expires_at ON cache (expires_at);
CREATE TABLE IF NOT EXISTS celery_migration.cache_expired (
	cache_key text PRIMARY KEY,
	expired_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS celery_migration.cache_audit (
	keys bigint NOT NULL,
	with_ttl bigint NOT NULL,
	vanished bigint NOT NULL,
	as_of timestamptz NOT NULL,
	default_expires_at timestamptz NOT NULL
);
