-- The application's SQLite database, as the sync expects it: each synced
-- table has an ever-growing change time (updated_at, set by the application
-- or, as here, by triggers) and a TABLE_deleted table its delete trigger
-- fills.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL,
	name TEXT,
	updated_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE TABLE users_deleted (id INTEGER NOT NULL, deleted_at DATETIME NOT NULL);
CREATE TRIGGER users_touch AFTER UPDATE OF email, name ON users BEGIN
	UPDATE users SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;
CREATE TRIGGER users_tombstone AFTER DELETE ON users BEGIN
	INSERT INTO users_deleted VALUES (OLD.id, strftime('%Y-%m-%d %H:%M:%f', 'now'));
END;
