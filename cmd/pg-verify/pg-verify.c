/*
 * pg-verify: prove that PostgreSQL tables hold what an NDJSON stream holds,
 * key by key: missing, extra, changed and duplicated rows, honest exit.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "cli.h"
#include "errinfo.h"
#include "load.h"
#include "ndjson.h"
#include "pgconn.h"
#include "sqltext.h"
#include "verify.h"

static const char synopsis[] =
	"usage: pg-verify [-hqV] [-d CONNINFO] [-t TABLE] --key=COLS "
	"[--mode=digest|full|count]\n"
	"       [--columns=COLS] [--ignore=COLS] [--where=SQL] "
	"[--report=FILE] [--limit=N]\n"
	"       [--ignore-unknown] [--infinity] [--max-record=BYTES] "
	"[FILE ...]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(synopsis,
		 "\nCompare the records of NDJSON files (stdin when none) "
		 "with PostgreSQL tables,\nkey by key, as pg-copy-load would "
		 "load them; report what is missing, extra,\nchanged or "
		 "duplicated as NDJSON, and exit 0 only when they are the "
		 "same.\n\n"
		 "  -d, --dbname=CONNINFO  the database (libpq conninfo or "
		 "URI; PG* variables)\n"
		 "  -t, --table=TABLE      every record is of this table "
		 "(else routed by $table)\n"
		 "      --key=COLS         the key columns; --key=TABLE:COLS "
		 "for one table of several\n"
		 "      --mode=MODE        digest (default) or full: every "
		 "row compared;\n"
		 "                         count: the number of rows only\n"
		 "      --columns=COLS     compare only these columns (and "
		 "the key)\n"
		 "      --ignore=COLS      do not compare these columns\n"
		 "      --where=SQL        only the table's rows where SQL "
		 "holds (an incremental\n"
		 "                         sync's window)\n"
		 "      --report=FILE      the report there, not on stdout\n"
		 "      --limit=N          list at most N differences (the "
		 "counts stay whole)\n"
		 "      --ignore-unknown   drop keys that match no column (as "
		 "pg-copy-load's)\n"
		 "      --infinity         take 'infinity' in date and time "
		 "columns (likewise)\n"
		 "      --max-record=BYTES largest record (default "
		 "268435456)\n"
		 "  -q, --quiet            no summary on stderr\n"
		 "  -h, --help             this help\n"
		 "  -V, --version          the version\n");
}

static struct verify_options vo = {.limit = UINT64_MAX};

void
verify_notice(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "pg-verify: server: %s", msg);
}

void
loader_fail(struct loader *l, int status)
{
	/* libpq's words ("server closed the connection unexpectedly") do
	 * not say what it means for the run */
	if (PQstatus(l->conn) == CONNECTION_BAD || digest_lost())
		warnx("the connection to the server was lost (a restart, a "
		      "crash, the session ended): the run's snapshot went "
		      "with it; run again");
	/* nothing to keep: the staging tables go with the session */
	if (l->in_txn)
		PQclear(PQexec(l->conn, "ROLLBACK"));
	l->in_txn = 0;
	if (!vo.quiet)
		fprintf(stderr, "pg-verify: stopped: nothing verified\n");
	PQfinish(l->conn);
	exit(status);
}

/*
 * A hot standby, or a session read-only by default, cannot make the
 * temporary tables records are staged in: digest mode compares there, as
 * long as no bucket differs; full mode cannot start.
 */
static void
read_only(struct loader *l)
{
	PGresult *r = sql_query(
		l, "pg-verify",
		"SELECT pg_catalog.pg_is_in_recovery() OR "
		"pg_catalog.current_setting('transaction_read_only')::bool",
		0, NULL);

	if (!r)
		loader_fail(l, 3);
	vo.read_only = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (vo.read_only && vo.mode == 1) {
		warnx("--mode=full stages every record in a temporary table, "
		      "which a read-only session (a hot standby) cannot make; "
		      "--mode=digest needs one only for the buckets that "
		      "differ");
		loader_fail(l, 3);
	}
}

/* Is f (standard input for "-") the file rs describes? */
static int
same_file(const char *f, const struct stat *rs)
{
	struct stat st;
	int r = strcmp(f, "-") == 0 ? fstat(0, &st) : stat(f, &st);

	return r == 0 && st.st_dev == rs->st_dev && st.st_ino == rs->st_ino;
}

/*
 * --report's file, made empty: never one of the inputs (standard input
 * when none is named), which it would empty before it is read.
 */
static void
report_open(char **files, int nfiles)
{
	struct stat rs;
	int i, fd;

	if (stat(vo.report_name, &rs) == 0)
		for (i = 0; i < (nfiles ? nfiles : 1); i++)
			if (same_file(nfiles ? files[i] : "-", &rs)) {
				warnx("--report: %s is an input: it would be "
				      "emptied before it is read",
				      vo.report_name);
				usage();
			}
	fd = open(vo.report_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0 || !(vo.report = fdopen(fd, "w")))
		err(3, "%s", vo.report_name);
}

/*
 * Each table --key=TABLE:COLS names, open before a record comes: one the
 * stream has no record of is compared all the same (its rows extra).
 * With -t, only -t's table is verified: a --key for another is a mistake.
 */
static void
open_named(struct loader *l, const struct options *o)
{
	struct buf tab = BUF_INIT;
	struct target *t;
	int i;

	for (i = 0; i < o->nkeys; i++) {
		if (!target_key_table(o->keys[i], &tab))
			continue;
		if (!(t = target_find(l, tab.data)) &&
		    !(t = target_open(l, tab.data, 1))) {
			warnx("--key=%s: no such table: %s", o->keys[i],
			      tab.data);
			loader_fail(l, 2);
		}
		if (o->table && t != l->fixed) {
			warnx("--key=%s: not the table of -t (%s)", o->keys[i],
			      l->fixed->display);
			loader_fail(l, 2);
		}
	}
	buf_release(&tab);
}

int
main(int argc, char **argv)
{
	enum {
		COLUMNS = 256,
		IGNORE,
		IGNORE_UNKNOWN,
		INFINITY_OPT,
		KEY,
		LIMIT,
		MAX_RECORD,
		MODE,
		REPORT,
		WHERE
	};
	static const struct option longopts[] = {
		{"columns", required_argument, NULL, COLUMNS},
		{"dbname", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"ignore", required_argument, NULL, IGNORE},
		{"ignore-unknown", no_argument, NULL, IGNORE_UNKNOWN},
		{"infinity", no_argument, NULL, INFINITY_OPT},
		{"key", required_argument, NULL, KEY},
		{"limit", required_argument, NULL, LIMIT},
		{"max-record", required_argument, NULL, MAX_RECORD},
		{"mode", required_argument, NULL, MODE},
		{"quiet", no_argument, NULL, 'q'},
		{"report", required_argument, NULL, REPORT},
		{"table", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{"where", required_argument, NULL, WHERE},
		{0},
	};
	static const char *const modes[] = {"digest", "full", "count", NULL};
	struct options o = {
		.max_record = NDJSON_DEFAULT_MAX_LINE,
		.batch_rows = 10000,
		.batch_bytes = 8u << 20,
		.max_rejects = UINT64_MAX, /* a bad record is a difference */
		.infer_rows = 1000,
		.jobs = 1,
		.verify = VERIFY_DIGEST,
	};
	struct loader l = {.o = &o};
	struct err e = {0};
	const char *why;
	size_t max_record = 0;
	int c, rc;

	cli_init();
	while ((c = getopt_long(argc, argv, "d:hqt:V", longopts, NULL)) != -1) {
		switch (c) {
		case COLUMNS:
			vo.columns = optarg;
			break;
		case 'd':
			free((char *)o.conninfo);
			o.conninfo = cli_secret(optarg);
			break;
		case 'h':
			help();
		case IGNORE:
			vo.ignore = optarg;
			break;
		case IGNORE_UNKNOWN:
			o.ignore_unknown = 1;
			break;
		case INFINITY_OPT:
			o.infinity = 1;
			break;
		case KEY:
			o.keys = realloc(o.keys, (size_t)(o.nkeys + 1) *
							 sizeof(*o.keys));
			if (!o.keys)
				loader_oom(0);
			o.keys[o.nkeys++] = optarg;
			break;
		case LIMIT:
			vo.limit = cli_number(synopsis, "--limit", optarg);
			break;
		case MAX_RECORD:
			if (!(max_record = cli_number(synopsis, "--max-record",
						      optarg)))
				usage();
			break;
		case MODE:
			vo.mode = cli_choice(synopsis, "--mode", optarg, modes);
			/* full: every record spooled, as digest spools */
			o.verify = vo.mode == 2 ? VERIFY_COUNT : VERIFY_DIGEST;
			break;
		case 'q':
			vo.quiet = 1;
			break;
		case REPORT:
			vo.report_name = optarg;
			break;
		case 't':
			o.table = optarg;
			break;
		case 'V':
			printf("pg-verify 0.1 (libpq %d)\n", PQlibVersion());
			cli_stdout_end();
		case WHERE:
			vo.where = optarg;
			break;
		default:
			usage();
		}
	}
	if (!o.nkeys || (o.table && !*o.table))
		usage();
	/* put inside "WHERE (...)": it must not close that and go on */
	if (vo.where && (why = sql_unbalanced(vo.where))) {
		warnx("--where: %s", why);
		usage();
	}
	if (ndjson_max_record(&o.max_record, &e) < 0)
		errx(e.code, "%s", e.msg);
	if (max_record)
		o.max_record = max_record;
	vo.report = stdout;
	if (vo.report_name)
		report_open(argv + optind, argc - optind);
	loader_init(&l);

	if (!(l.conn = pgconn_open(o.conninfo, "pg-verify", &e)) ||
	    pgconn_no_shadows(l.conn, &e) < 0)
		errx(e.code, "%s", e.msg);
	loader_cancel_on_signal(l.conn);
	PQsetNoticeProcessor(l.conn, verify_notice, NULL);
	l.nslots = 1;
	l.slots = xcalloc(1, sizeof(*l.slots));
	l.slots[0].conn = l.conn;
	l.slots[0].b.data = (struct buf)BUF_INIT;
	l.slots[0].b.raw = (struct buf)BUF_INIT;
	/*
	 * one snapshot: the digest's second connection shares it; every row,
	 * or an error (as pg_dump): a policy must not hide rows from the proof;
	 * no other setting changes: defaults and --where are evaluated, and
	 * records staged, in the settings the load had
	 */
	if (sql_exec(&l, "SET SESSION CHARACTERISTICS AS TRANSACTION "
			 "ISOLATION LEVEL REPEATABLE READ; SET row_security = "
			 "off") < 0)
		loader_fail(&l, 3);
	txn_begin(&l);
	read_only(&l);
	/* the comparison hashes both sides: in memory, not in batches on disk
	 */
	if (sql_exec(&l, "SET work_mem = '256MB'; SET maintenance_work_mem = "
			 "'256MB'") < 0)
		loader_fail(&l, 3);
	if (vo.mode != 2)
		digest_start(&l, &o, &vo, o.conninfo);
	/* read-only for the table: only the session's staging tables change */
	if (o.table && !(l.fixed = target_open(&l, o.table, 0)))
		loader_fail(&l, 2);
	open_named(&l, &o);
	if (o.table && verify_names(&l, &vo))
		loader_fail(&l, 2);
	loader_read(&l, argv + optind, argc - optind);
	if (!o.table && verify_names(&l, &vo))
		loader_fail(&l, 2);
	if (!l.nt) {
		/* a dump that failed writes nothing: that is not "equal" */
		warnx("nothing to verify: no record read and no table named "
		      "(-t, --key=TABLE:COLS)");
		loader_fail(&l, 1);
	}
	if (vo.mode != 2)
		digest_collect(&l);
	batch_quiesce(&l);
	rc = verify_tables(&l, &vo);
	if (l.rejected && rc == 0)
		rc = 1;
	if (sql_exec(&l, "ROLLBACK") < 0)
		rc = 3;
	l.in_txn = 0;
	if (vo.report_name && fclose(vo.report) != 0)
		err(3, "%s", vo.report_name);
	else if (!vo.report_name && (fflush(stdout) != 0 || ferror(stdout)) &&
		 errno != EPIPE) /* | head: the reader has what it wanted */
		err(3, "write error");
	if (vo.mode != 2)
		digest_end(&l);
	verify_end();
	loader_release(&l);
	free(o.keys);
	free((char *)o.conninfo);
	return rc;
}
