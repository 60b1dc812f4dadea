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
-- A migration never takes over a row it did not write: an update that
-- would change a row's source (the app's row with the key of a Redis key)
-- is refused, so that pg-copy-load rejects that record by its line and a
-- rollback, which deletes by source, never deletes the app's rows.
CREATE OR REPLACE FUNCTION keep_source() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.source IS DISTINCT FROM NEW.source THEN
		RAISE EXCEPTION 'row written by %, not by this migration (%): not overwritten',
			coalesce(OLD.source, 'the app'), NEW.source
			USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER keep_source BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION keep_source();
CREATE OR REPLACE TRIGGER keep_source BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION keep_source();
CREATE OR REPLACE TRIGGER keep_source BEFORE UPDATE ON usage FOR EACH ROW EXECUTE FUNCTION keep_source();
CREATE OR REPLACE TRIGGER keep_source BEFORE UPDATE ON user_prefs FOR EACH ROW EXECUTE FUNCTION keep_source();
CREATE OR REPLACE TRIGGER keep_source BEFORE UPDATE ON cached_threads FOR EACH ROW EXECUTE FUNCTION keep_source();
