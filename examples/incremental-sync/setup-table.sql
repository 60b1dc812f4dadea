-- For each synced table, once: psql -v t=TABLE -v k=KEY -f setup-table.sql
-- (names as psql variables, quoted by psql).  TABLE_deleted's rows are
-- unique by key and time (or key and -v by=COLUMN: sync-sqlite's change
-- sequence), and loading one deletes that row of TABLE.
SET client_min_messages = warning;
\if :{?by}
\else
\set by deleted_at
\endif
\set td :t '_deleted'
\set idx :t '_deleted_sync'
CREATE UNIQUE INDEX IF NOT EXISTS :"idx" ON :"td" (:"k", :"by");
CREATE OR REPLACE TRIGGER sync_apply_deletion AFTER INSERT OR UPDATE ON :"td"
	FOR EACH ROW EXECUTE FUNCTION sync_apply_deletion(:'t', :'k');
