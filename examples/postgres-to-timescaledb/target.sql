-- The target: the same schema, the time series as TimescaleDB hypertables
-- (daily chunks).  Re-runnable.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS timescaledb;
\ir tables.sql
SELECT create_hypertable(t, 'time', chunk_time_interval => interval '1 day', if_not_exists => true)
	FROM unnest(ARRAY['telemetry.oee_calculations', 'telemetry.energy_consumption',
			  'telemetry.production_kpis']::regclass[]) t;
