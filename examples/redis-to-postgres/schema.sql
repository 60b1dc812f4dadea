-- The threadr app's tables.  source says which migration wrote a row
-- ('redis_...'), so that a rollback deletes exactly those; rows the app
-- wrote itself have their own (or none) and survive it.
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS users (
	email text PRIMARY KEY,
	user_id bigint NOT NULL,
	source text
);
CREATE TABLE IF NOT EXISTS subscriptions (
	email text PRIMARY KEY,
	plan text NOT NULL,
	started_at timestamptz,
	expires_at timestamptz,
	source text
);
CREATE TABLE IF NOT EXISTS usage (
	user_id bigint,
	day date,
	requests integer NOT NULL,
	source text,
	PRIMARY KEY (user_id, day)
);
CREATE TABLE IF NOT EXISTS user_prefs (
	user_id bigint PRIMARY KEY,
	prefs jsonb NOT NULL,
	source text
);
CREATE TABLE IF NOT EXISTS cached_threads (
	thread_id bigint PRIMARY KEY,
	body jsonb NOT NULL,
	expires_at timestamptz,
	source text
);
