-- The task queue's table: an identity key for workers to claim by, the
-- MongoDB _id kept, typed columns for what the worker queries (uid uuid,
-- eta timestamptz), args and kwargs as jsonb.  The metadata's indexes come
-- from mongo-dump-ndjson --ddl=post (the unique uid among them).
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS task (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	mongo_id text NOT NULL UNIQUE,
	uid uuid NOT NULL,
	task text NOT NULL,
	namespace text NOT NULL,
	status text NOT NULL,
	priority integer NOT NULL,
	eta timestamptz,
	args jsonb NOT NULL,
	kwargs jsonb NOT NULL,
	revision integer NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);
