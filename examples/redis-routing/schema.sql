-- The tables the threadr Redis keys move into.
CREATE TABLE subscriptions (email text PRIMARY KEY, plan text NOT NULL, expires timestamptz);
CREATE TABLE emails (email text PRIMARY KEY, user_id bigint NOT NULL);
CREATE TABLE usage (user_id bigint, day date, requests int NOT NULL, PRIMARY KEY (user_id, day));
