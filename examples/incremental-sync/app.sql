-- The application's SQLite database, as the sync expects it: each synced
-- table has a change sequence (change_seq) that every insert, update and
-- delete takes from one counter, in commit order (SQLite has one writer at
-- a time: a commit made later has a larger number, so a run that read up to
-- N misses nothing above it), and a TABLE_deleted table its delete trigger
-- fills, numbered from the same counter.  A change time (updated_at) is
-- kept as data: times are not strictly increasing (commits in one
-- millisecond, a clock set back), so they cannot be a watermark.
CREATE TABLE sync_seq (n INTEGER NOT NULL);
INSERT INTO sync_seq VALUES (0);
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL,
	name TEXT,
	updated_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
	change_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE users_deleted (id INTEGER NOT NULL, deleted_at DATETIME NOT NULL, change_seq INTEGER NOT NULL);
-- (the triggers' own UPDATEs move change_seq, so users_touch skips them)
CREATE TRIGGER users_new AFTER INSERT ON users BEGIN
	UPDATE sync_seq SET n = n + 1;
	UPDATE users SET change_seq = (SELECT n FROM sync_seq) WHERE id = NEW.id;
END;
CREATE TRIGGER users_touch AFTER UPDATE ON users WHEN NEW.change_seq IS OLD.change_seq BEGIN
	UPDATE sync_seq SET n = n + 1;
	UPDATE users SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now'),
		change_seq = (SELECT n FROM sync_seq) WHERE id = NEW.id;
END;
CREATE TRIGGER users_tombstone AFTER DELETE ON users BEGIN
	UPDATE sync_seq SET n = n + 1;
	INSERT INTO users_deleted VALUES (OLD.id, strftime('%Y-%m-%d %H:%M:%f', 'now'), (SELECT n FROM sync_seq));
END;
