-- The telemetry schema, in the source and in the target (re-runnable).
CREATE SCHEMA IF NOT EXISTS telemetry;
CREATE TABLE IF NOT EXISTS telemetry.lines (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS telemetry.machines (
	id integer PRIMARY KEY,
	line_id integer NOT NULL REFERENCES telemetry.lines,
	name text NOT NULL
);
CREATE TABLE IF NOT EXISTS telemetry.oee_calculations (
	time timestamptz NOT NULL,
	machine_id integer NOT NULL REFERENCES telemetry.machines,
	availability numeric(5, 4) NOT NULL,
	performance numeric(5, 4) NOT NULL,
	quality numeric(5, 4) NOT NULL,
	PRIMARY KEY (machine_id, time)
);
CREATE TABLE IF NOT EXISTS telemetry.energy_consumption (
	time timestamptz NOT NULL,
	machine_id integer NOT NULL REFERENCES telemetry.machines,
	kwh double precision NOT NULL,
	PRIMARY KEY (machine_id, time)
);
CREATE TABLE IF NOT EXISTS telemetry.production_kpis (
	time timestamptz NOT NULL,
	line_id integer NOT NULL REFERENCES telemetry.lines,
	units bigint NOT NULL,
	scrap integer NOT NULL,
	note text,
	PRIMARY KEY (line_id, time)
);
