-- The factory's telemetry in a plain PostgreSQL database (the source): two
-- ordinary tables, three time series that reference them, generated data.
-- psql -v rows=N (default 2000 per series).
\if :{?rows}
\else
\set rows 2000
\endif
SET client_min_messages = warning;
\ir tables.sql
INSERT INTO telemetry.lines SELECT i, 'Line ' || chr(64 + i) FROM generate_series(1, 3) i;
INSERT INTO telemetry.machines SELECT i, 1 + i % 3, 'Machine ' || i || ' – Zoë' FROM generate_series(1, 12) i;
INSERT INTO telemetry.oee_calculations
	SELECT timestamptz '2026-11-01 00:00:00+00' + (i / 12) * interval '15 minutes' + random() * interval '1 minute',
	       1 + i % 12, round(random()::numeric, 4), round(random()::numeric, 4), round(random()::numeric, 4)
	FROM generate_series(0, :rows - 1) i;
INSERT INTO telemetry.energy_consumption
	SELECT timestamptz '2026-11-01 00:00:00.123456+00' + (i / 12) * interval '10 minutes',
	       1 + i % 12, random() * 1e3
	FROM generate_series(0, :rows - 1) i;
INSERT INTO telemetry.production_kpis
	SELECT timestamptz '2026-11-01 00:00:00+00' + (i / 3) * interval '1 hour',
	       1 + i % 3, (random() * 1e12)::bigint, (random() * 100)::int,
	       CASE WHEN i % 7 = 0 THEN 'shift "B" \ ok' END
	FROM generate_series(0, :rows - 1) i;
