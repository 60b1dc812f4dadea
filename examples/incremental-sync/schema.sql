-- What the sync needs in PostgreSQL, besides the tables themselves
-- (sqlite-dump-ndjson --ddl=pre makes those, TABLE_deleted included).
SET client_min_messages = warning;
-- a watermark a table: the largest change time loaded, and the one before
-- (the window pg-verify checks); written in the same transaction as the rows
CREATE TABLE IF NOT EXISTS sync_watermarks (
	table_name text PRIMARY KEY,
	watermark text NOT NULL,
	previous text
);
CREATE OR REPLACE FUNCTION sync_watermarks_previous() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.previous := OLD.watermark;
	RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER sync_watermarks_previous BEFORE UPDATE ON sync_watermarks
	FOR EACH ROW EXECUTE FUNCTION sync_watermarks_previous();
-- deletions travel as rows of TABLE_deleted (a trigger at the source writes
-- them); loading one deletes the row it names, in the same transaction
CREATE OR REPLACE FUNCTION sync_apply_deletion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- TG_ARGV: the table and its key column; the key's value read as that
	-- column's type (jsonb_populate_record), so the key's index is used
	EXECUTE format('DELETE FROM %1$I WHERE %2$I = (jsonb_populate_record(NULL::%1$I, $1)).%2$I',
		       TG_ARGV[0], TG_ARGV[1]) USING to_jsonb(NEW);
	RETURN NULL;
END
$$;
