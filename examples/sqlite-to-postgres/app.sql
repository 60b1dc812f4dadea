-- A small application database, as a SaaS keeps it in SQLite: users,
-- subscriptions, daily usage, avatars.  Built by `sqlite3 app.db < app.sql`.
PRAGMA foreign_keys = ON;
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(255) NOT NULL UNIQUE,
    name TEXT,
    is_premium BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    settings TEXT
);
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan TEXT NOT NULL DEFAULT 'free',
    price NUMERIC(8,2),
    started DATE
);
CREATE INDEX subscriptions_user ON subscriptions (user_id);
CREATE TABLE usage (
    user_id INTEGER NOT NULL REFERENCES users (id),
    day DATE NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
CREATE TABLE avatars (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    png BLOB
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO users (email, name, is_premium, created_at, settings)
SELECT 'user' || i || '@example.com',
       CASE i % 7 WHEN 0 THEN NULL WHEN 1 THEN 'Zoë ' || i WHEN 2 THEN '' ELSE 'User ' || i END,
       i % 3 = 0,
       datetime('2024-01-01', '+' || i || ' hours'),
       CASE WHEN i % 5 = 0 THEN '{"theme":"dark","beta":true}' END
FROM n;
INSERT INTO subscriptions (user_id, plan, price, started)
SELECT id, CASE WHEN is_premium THEN 'premium' ELSE 'free' END,
       CASE WHEN is_premium THEN 9.99 ELSE 0 END, date(created_at)
FROM users;
WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < 9)
INSERT INTO usage (user_id, day, requests)
SELECT u.id, date('2024-06-01', '+' || d.k || ' days'), (u.id * 37 + d.k * 101) % 5000
FROM users u, d WHERE u.id % 4 = 0;
INSERT INTO avatars (user_id, png)
SELECT id, CAST(X'89504E470D0A1A0A' || randomblob(64) AS BLOB) FROM users WHERE id % 10 = 0;
