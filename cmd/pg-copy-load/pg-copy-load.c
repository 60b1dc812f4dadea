/* pg-copy-load: load NDJSON records into PostgreSQL tables through COPY. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "cli.h"
#include "errinfo.h"
#include "json.h"
#include "load.h"
#include "ndjson.h"
#include "pgconn.h"

static const char synopsis[] =
	"usage: pg-copy-load [-hqV] [-d CONNINFO] [--batch-bytes=N] "
	"[--batch-commit]\n"
	"       [--batch-rows=N] [--create[=DDLFILE]] [--dry-run]\n"
	"       [--format=text|binary|auto] [--freeze] "
	"[--hypertable=COLUMN[:INTERVAL]]\n"
	"       [--distribute=COLUMN[:COLOCATE_WITH] | --reference]\n"
	"       [--ignore-unknown] [--infer-rows=N] [--infinity] [--jobs=N] "
	"[--keep-case]\n"
	"       [--max-record=BYTES] [--max-rejects=N] "
	"[--on-conflict=update|ignore|error]\n"
	"       [--progress | --no-progress] [--rejects=FILE] [--resume=ID]\n"
	"       [--retries=N] [--summary-json=FILE] [--truncate] [--unlogged]\n"
	"       [--upsert=[TABLE:]KEYCOLS] [-t TABLE] [FILE ...]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(
		synopsis,
		"\nLoad NDJSON records (ndjson-migrate(7)) into PostgreSQL "
		"tables "
		"through COPY:\none table (-t), or each record's $table.  One "
		"transaction by default.\n\n"
		"  -d, --dbname=CONNINFO   connection string or URL (default: "
		"libpq's PG* variables)\n"
		"  -t, --table=TABLE       target table, psql rules; without "
		"it "
		"records route by $table\n"
		"      --batch-rows=N      rows per COPY batch (default "
		"10000)\n"
		"      --batch-bytes=N     bytes per COPY batch (default "
		"8388608)\n"
		"      --batch-commit      commit each batch (default: one "
		"transaction)\n"
		"      --create[=DDLFILE]  make missing tables: from DDLFILE, "
		"or "
		"from the records\n"
		"      --dry-run           check every record against the "
		"tables, "
		"commit nothing\n"
		"      --format=FORMAT     COPY format: text, binary or auto "
		"(default)\n"
		"      --freeze            COPY FREEZE (with --truncate, one "
		"transaction, no rejects)\n"
		"      --hypertable=COL[:INTERVAL]  TimescaleDB: --create "
		"makes "
		"hypertables\n"
		"                          on time column COL; a table that "
		"exists must be one\n"
		"      --distribute=COL[:COLOCATE_WITH]  Citus: --create makes "
		"distributed\n"
		"                          tables on COL; a table that exists "
		"must be one\n"
		"      --reference         Citus: --create makes reference "
		"tables\n"
		"      --ignore-unknown    drop keys that match no column\n"
		"      --infer-rows=N      --create: records to infer column "
		"types from (1000)\n"
		"      --infinity          take 'infinity' in date and time "
		"columns\n"
		"      --jobs=N            N connections load batches in "
		"parallel (--batch-commit)\n"
		"      --keep-case         --create: keep the case of names "
		"(default: lower)\n"
		"      --max-record=BYTES  largest record (default 268435456)\n"
		"      --max-rejects=N     reject up to N rows and go on "
		"(default "
		"0: stop at the first)\n"
		"      --on-conflict=MODE  with --upsert: update (default), "
		"ignore "
		"or error\n"
		"      --progress          rows, MB, rows/s on stderr each "
		"second "
		"(default on a tty)\n"
		"      --rejects=FILE      rejected records with their errors, "
		"as "
		"NDJSON (mode 0600)\n"
		"      --resume=ID         skip what an earlier run with this "
		"ID "
		"committed\n"
		"      --retries=N         reconnect after a lost connection, "
		"per batch (5)\n"
		"      --summary-json=FILE the counts as JSON, for Makefiles "
		"and "
		"cron\n"
		"      --truncate          empty the tables first\n"
		"      --unlogged          make the tables UNLOGGED (cache "
		"tables)\n"
		"      --upsert=[TABLE:]KEYCOLS  insert or update by these key "
		"columns (of TABLE)\n"
		"  -q, --quiet             no summary\n"
		"  -h, --help              this help\n"
		"  -V, --version           the version\n");
}

static void
summary_line(const char *name, uint64_t read, uint64_t loaded,
	     uint64_t rejected, uint64_t skipped, double secs, const char *how)
{
	fprintf(stderr,
		"pg-copy-load: %s: %llu read, %llu loaded, %llu rejected", name,
		(unsigned long long)read, (unsigned long long)loaded,
		(unsigned long long)rejected);
	if (skipped)
		fprintf(stderr, ", %llu skipped", (unsigned long long)skipped);
	fprintf(stderr, ", %.2f s, %.0f rows/s%s\n", secs,
		secs > 0 ? (double)loaded / secs : 0.0, how);
}

static int
summary_json(struct loader *l, double secs, int status)
{
	struct buf b = BUF_INIT;
	FILE *f;
	int i;

	buf_adds(&b, "{\"tables\":[");
	for (i = 0; i < l->nt; i++) {
		struct target *t = l->t[i];
		buf_addf(&b, "%s{\"table\":", i ? "," : "");
		json_write_string(&b, t->display, strlen(t->display));
		buf_addf(&b,
			 ",\"read\":%llu,\"loaded\":%llu,\"rejected\":%llu,"
			 "\"binary_rows\":%llu}",
			 (unsigned long long)t->read,
			 (unsigned long long)t->loaded,
			 (unsigned long long)t->rejected,
			 (unsigned long long)t->binary_rows);
	}
	buf_addf(&b,
		 "],\"read\":%llu,\"loaded\":%llu,\"rejected\":%llu,"
		 "\"skipped\":%llu,\"rejected_before\":%llu,"
		 "\"seconds\":%.3f,\"dry_run\":%s,"
		 "\"status\":%d}\n",
		 (unsigned long long)l->read, (unsigned long long)l->loaded,
		 (unsigned long long)l->rejected,
		 (unsigned long long)l->skipped,
		 (unsigned long long)l->rejected_before, secs,
		 l->o->dry_run ? "true" : "false", status);
	if (!(f = fopen(l->o->summary_json, "w")) ||
	    fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0) {
		warn("%s", l->o->summary_json);
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	return 0;
}

/*
 * The summary: a line per table, and a total when there are several
 * tables or records no table took.  how says what became of the rest.
 * The status, 3 when --summary-json could not be written.
 */
static int
summary(struct loader *l, const char *how, int status)
{
	double secs = loader_now() - l->t0;
	uint64_t routed = 0;
	int i;

	if (l->progress_shown)
		fputc('\n', stderr);
	if (l->o->summary_json && summary_json(l, secs, status) < 0)
		status = 3;
	if (l->o->quiet)
		return status;
	for (i = 0; i < l->nt; i++) {
		struct target *t = l->t[i];
		summary_line(t->display, t->read, t->loaded, t->rejected, 0,
			     secs, how);
		routed += t->read;
	}
	if (l->nt != 1 || l->skipped || routed != l->read)
		summary_line("total", l->read, l->loaded, l->rejected,
			     l->skipped, secs, how);
	return status;
}

/* Rejects allowed in a single transaction: savepoints pile up in it. */
static int
use_savepoints_in_one(const struct loader *l)
{
	return l->o->max_rejects > 0 && !l->o->batch_commit;
}

/* A failure that a new connection may not see again. */
static int
transient(struct loader *l)
{
	static const char *const codes[] = {"57P01", "57P02", "57P03", "40001",
					    "40P01", "08000", "08003", "08006",
					    "08001", "08004", "55P03"};
	size_t i;

	if (PQstatus(l->conn) == CONNECTION_BAD)
		return 1;
	for (i = 0; i < sizeof(codes) / sizeof(*codes); i++)
		if (strcmp(l->sqlstate, codes[i]) == 0)
			return 1;
	return 0;
}

void
loader_fail(struct loader *l, int status)
{
	PGresult *r;
	int i;

	if (status == 3 && strcmp(l->sqlstate, "53200") == 0 &&
	    use_savepoints_in_one(l))
		warnx("one transaction keeps a lock for every savepoint that "
		      "went in (each batch, and each stretch of rows between "
		      "rejected ones): with this many rejects use "
		      "--batch-commit, or raise max_locks_per_transaction");
	if (status == 3 && transient(l)) {
		if (l->retry_armed)
			longjmp(l->retry, 1);
		if (!l->o->batch_commit && !l->o->dry_run)
			warnx("one transaction: nothing was committed; run "
			      "again (--batch-commit --resume would go on from "
			      "the last batch)");
	}
	/* what was not committed is gone: the counts say what stays */
	if (l->in_txn) {
		PQclear(PQexec(l->conn, "ROLLBACK"));
		l->in_txn = 0;
	}
	for (i = 0; i < l->nslots; i++)
		if (i != l->slot && l->slots[i].in_txn) {
			/* a COPY may be open there: end it first */
			PQputCopyEnd(l->slots[i].conn, "stopped");
			while ((r = PQgetResult(l->slots[i].conn)))
				PQclear(r);
			PQclear(PQexec(l->slots[i].conn, "ROLLBACK"));
		}
	l->loaded = l->committed;
	for (i = 0; i < l->nt; i++)
		l->t[i]->loaded = l->t[i]->committed;
	status = summary(
		l, l->committed ? ", the rest rolled back" : ", rolled back",
		status);
	PQfinish(l->conn);
	for (i = 0; i < l->nslots; i++)
		if (i != l->slot)
			PQfinish(l->slots[i].conn);
	exit(status);
}

int
main(int argc, char **argv)
{
	enum {
		BATCH_BYTES = 256,
		BATCH_COMMIT,
		BATCH_ROWS,
		CREATE,
		DRY_RUN,
		FORMAT,
		FREEZE,
		HYPERTABLE,
		DISTRIBUTE,
		REFERENCE,
		IGNORE_UNKNOWN,
		INFINITY_OPT,
		INFER_ROWS,
		JOBS,
		KEEP_CASE,
		MAX_RECORD,
		MAX_REJECTS,
		NO_PROGRESS,
		ON_CONFLICT,
		PROGRESS,
		REJECTS,
		RESUME,
		RETRIES,
		SUMMARY_JSON,
		TRUNCATE,
		UNLOGGED,
		UPSERT,
	};
	static const struct option longopts[] = {
		{"batch-bytes", required_argument, NULL, BATCH_BYTES},
		{"hypertable", required_argument, NULL, HYPERTABLE},
		{"distribute", required_argument, NULL, DISTRIBUTE},
		{"reference", no_argument, NULL, REFERENCE},
		{"batch-commit", no_argument, NULL, BATCH_COMMIT},
		{"batch-rows", required_argument, NULL, BATCH_ROWS},
		{"create", optional_argument, NULL, CREATE},
		{"dbname", required_argument, NULL, 'd'},
		{"dry-run", no_argument, NULL, DRY_RUN},
		{"format", required_argument, NULL, FORMAT},
		{"freeze", no_argument, NULL, FREEZE},
		{"help", no_argument, NULL, 'h'},
		{"ignore-unknown", no_argument, NULL, IGNORE_UNKNOWN},
		{"infinity", no_argument, NULL, INFINITY_OPT},
		{"infer-rows", required_argument, NULL, INFER_ROWS},
		{"jobs", required_argument, NULL, JOBS},
		{"keep-case", no_argument, NULL, KEEP_CASE},
		{"max-record", required_argument, NULL, MAX_RECORD},
		{"max-rejects", required_argument, NULL, MAX_REJECTS},
		{"no-progress", no_argument, NULL, NO_PROGRESS},
		{"on-conflict", required_argument, NULL, ON_CONFLICT},
		{"progress", no_argument, NULL, PROGRESS},
		{"quiet", no_argument, NULL, 'q'},
		{"rejects", required_argument, NULL, REJECTS},
		{"resume", required_argument, NULL, RESUME},
		{"retries", required_argument, NULL, RETRIES},
		{"summary-json", required_argument, NULL, SUMMARY_JSON},
		{"table", required_argument, NULL, 't'},
		{"truncate", no_argument, NULL, TRUNCATE},
		{"unlogged", no_argument, NULL, UNLOGGED},
		{"upsert", required_argument, NULL, UPSERT},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct options o = {
		.max_record = NDJSON_DEFAULT_MAX_LINE,
		.batch_rows = 10000,
		.batch_bytes = 8u << 20,
		.progress = isatty(2),
		.on_conflict = CONFLICT_UPDATE,
		.infer_rows = 1000,
		.retries = 5,
		.jobs = 1,
	};
	struct loader l = {.o = &o};
	struct err e = {0};
	int c, fd, rc, i, conflict_set = 0;

	cli_init();
	buf_set_oom(loader_oom);
	if (ndjson_max_record(&o.max_record, &e) < 0)
		errx(e.code, "%s", e.msg);
	while ((c = getopt_long(argc, argv, "d:hqt:V", longopts, NULL)) != -1) {
		switch (c) {
		case BATCH_BYTES:
			if (!(o.batch_bytes = cli_number(
				      synopsis, "--batch-bytes", optarg)))
				usage();
			break;
		case BATCH_COMMIT:
			o.batch_commit = 1;
			break;
		case BATCH_ROWS:
			if (!(o.batch_rows = cli_number(
				      synopsis, "--batch-rows", optarg)))
				usage();
			break;
		case CREATE:
			o.create = 1;
			o.create_ddl = optarg;
			break;
		case 'd':
			free((char *)o.conninfo);
			o.conninfo = cli_secret(optarg);
			break;
		case DRY_RUN:
			o.dry_run = 1;
			break;
		case FORMAT: {
			static const char *const w[] = {"auto", "text",
							"binary", NULL};
			static const int v[] = {FORMAT_AUTO, FORMAT_TEXT,
						FORMAT_BINARY};
			o.format =
				v[cli_choice(synopsis, "--format", optarg, w)];
			break;
		}
		case FREEZE:
			o.freeze = 1;
			break;
		case 'h':
			help();
			break;
		case INFINITY_OPT:
			o.infinity = 1;
			break;
		case IGNORE_UNKNOWN:
			o.ignore_unknown = 1;
			break;
		case INFER_ROWS:
			if (!(o.infer_rows = (int)cli_number(
				      synopsis, "--infer-rows", optarg)) ||
			    o.infer_rows > 1000000)
				usage();
			break;
		case JOBS:
			o.jobs = (int)cli_number(synopsis, "--jobs", optarg);
			if (o.jobs < 1 || o.jobs > 64)
				usage();
			break;
		case KEEP_CASE:
			o.keep_case = 1;
			break;
		case MAX_RECORD:
			if (!(o.max_record = cli_number(
				      synopsis, "--max-record", optarg)))
				usage();
			break;
		case MAX_REJECTS:
			o.max_rejects =
				cli_number(synopsis, "--max-rejects", optarg);
			break;
		case NO_PROGRESS:
			o.progress = 0;
			break;
		case ON_CONFLICT:
			conflict_set = 1;
			{
				static const char *const w[] = {
					"update", "ignore", "error", NULL};
				static const int v[] = {CONFLICT_UPDATE,
							CONFLICT_IGNORE,
							CONFLICT_ERROR};
				o.on_conflict = v[cli_choice(
					synopsis, "--on-conflict", optarg, w)];
			}
			break;
		case PROGRESS:
			o.progress = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case REJECTS:
			o.rejects = optarg;
			break;
		case RESUME:
			o.resume = optarg;
			break;
		case RETRIES:
			o.retries =
				(int)cli_number(synopsis, "--retries", optarg);
			if (o.retries > 100)
				usage();
			break;
		case SUMMARY_JSON:
			o.summary_json = optarg;
			break;
		case 't':
			o.table = optarg;
			break;
		case TRUNCATE:
			o.truncate = 1;
			break;
		case UNLOGGED:
			o.unlogged = 1;
			break;
		case HYPERTABLE:
			if (!*optarg || *optarg == ':')
				usage();
			o.hypertable = optarg;
			break;
		case DISTRIBUTE:
			if (!*optarg || *optarg == ':')
				usage();
			o.distribute = optarg;
			break;
		case REFERENCE:
			o.reference = 1;
			break;
		case UPSERT:
			/* COLS for every table, TABLE:COLS for one */
			o.upsert = optarg;
			o.keys = realloc(o.keys, (size_t)(o.nkeys + 1) *
							 sizeof(*o.keys));
			if (!o.keys)
				loader_oom(0);
			o.keys[o.nkeys++] = optarg;
			break;
		case 'V':
			printf("pg-copy-load 0.2 (libpq %d)\n", PQlibVersion());
			cli_stdout_end();
		default:
			usage();
		}
	}
	if ((o.table && !*o.table) || (conflict_set && !o.upsert))
		usage();
	if (!!o.distribute + o.reference + !!o.hypertable > 1)
		errx(2, "--distribute, --reference and --hypertable: one of "
			"them");
	if (o.freeze && ((!o.truncate && !o.create) || o.batch_commit ||
			 o.jobs > 1 || o.max_rejects || o.dry_run || o.upsert))
		errx(2,
		     "--freeze needs --truncate or --create, one "
		     "transaction, no --max-rejects and no --upsert "
		     "(PostgreSQL "
		     "freezes only rows of a table made or emptied in the same "
		     "transaction)");
	if (o.dry_run) {
		o.batch_commit = 0;
		o.jobs = 1; /* one transaction to roll back */
	}
	if (o.jobs > 1)
		o.batch_commit = 1;

	if (o.rejects) {
		fd = open(o.rejects,
			  O_WRONLY | O_CREAT | O_CLOEXEC |
				  (o.resume ? O_APPEND : O_TRUNC),
			  0600);
		if (fd < 0 || !(l.rejects = fdopen(fd, o.resume ? "a" : "w")))
			err(3, "%s", o.rejects);
	}
	loader_init(&l);

	if (!(l.conn = loader_connect(&l, &e)))
		errx(e.code, "%s", e.msg);
	if (o.resume) {
		ledger_load(&l);
	}
	/* --jobs: a connection (and a transaction) per job */
	l.nslots = o.jobs;
	l.slots = xcalloc((size_t)o.jobs, sizeof(*l.slots));
	for (i = 0; i < o.jobs; i++) {
		l.slots[i].b.data = (struct buf)BUF_INIT;
		l.slots[i].b.raw = (struct buf)BUF_INIT;
		if (i > 0 && !(l.slots[i].conn = loader_connect(&l, &e)))
			errx(e.code, "%s", e.msg);
	}
	l.slots[0].conn = l.conn;
	for (i = 0; i < o.jobs; i++)
		l.slots[i].pid = PQbackendPID(l.slots[i].conn);
	for (i = o.jobs - 1; i >= 0; i--) {
		switch_slot(&l, i);
		if (o.jobs > 1)
			set_lock_timeout(&l);
		txn_begin(&l);
	}
	if (o.table && !(o.create && !loader_table_exists(&l, o.table)) &&
	    !(l.fixed = target_open(&l, o.table, 0))) {
		rc = 2;
		goto out;
	}
	loader_read(&l, argv + optind, argc - optind);
	loader_flush_pending(&l);
	batch_quiesce(&l);
	if (o.resume && l.norphan) {
		switch_slot(&l, 0);
		ledger_orphans(&l);
	}
	for (i = l.nslots - 1; i >= 0; i--) {
		switch_slot(&l, i);
		txn_commit(&l);
	}
	/* --resume: the job's status, rejects of its earlier runs too */
	rc = l.rejected || l.rejected_before ? 1 : 0;
	if (l.rejected_before && !o.quiet)
		warnx("--resume=%s: %llu records rejected by earlier runs (see "
		      "their rejects)",
		      o.resume, (unsigned long long)l.rejected_before);
	rc = summary(&l, o.dry_run ? ", dry run: nothing committed" : "", rc);
out:
	if (l.rejects && fclose(l.rejects) != 0)
		err(3, "%s", o.rejects);
	switch_slot(&l, 0);
	loader_release(&l);
	free(o.keys);
	free((char *)o.conninfo);
	return rc;
}
