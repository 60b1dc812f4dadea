/*
 * redis-dump-ndjson: every key of a Redis server (or cluster) as one NDJSON
 * record, {"db","key","type","expire_at_ms","value"}, binary-safe; or, with
 * --stats, an audit of the keyspace.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "rdb.h"
#include "rdump.h"

void rd_side_opener(redisContext *(*open)(void *), void *arg);

static const char synopsis[] =
	"usage: redis-dump-ndjson [-hVv] [-u URL | -s SOCKET | --rdb=FILE] "
	"[-n DB]\n"
	"       [--chunk=N] [--cluster]"
	" [--count=N] [--explode] [--match=PATTERN ...]\n"
	"       [--as-of=MS] [--no-dedup] [--partition=K/N]\n"
	"       [--stats [--depth=N] [--sample=N] [--top=N]]\n"
	"       [--snapshot[=disk|diskless] [--save-rdb=FILE]]\n"
	"       [--timeout=SECONDS] [--type=TYPE]\n"
	"       [--tls] [--cacert=FILE] [--cert=FILE [--key=FILE]]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(
		synopsis,
		"\nWrite every key of a Redis server as an NDJSON record "
		"(ndjson-migrate(7)):\n"
		"{\"db\":0,\"key\":...,\"type\":...,\"expire_at_ms\":...,"
		"\"value\":...}.\n\n"
		"  -u URL             "
		"redis://[USER[:PASSWORD]@]HOST[:PORT][/DB] "
		"(default\n"
		"                     redis://127.0.0.1:6379); the password "
		"may come from\n"
		"                     REDISCLI_AUTH instead\n"
		"  -s SOCKET          connect to a unix socket\n"
		"      --rdb=FILE     read an RDB file (a SAVE, a backup, "
		"redis-cli --rdb;\n"
		"                     - for stdin) instead of a server\n"
		"      --snapshot[=disk|diskless]  ask the server for a "
		"fresh RDB (SYNC,\n"
		"                     as redis-cli --rdb) and read it as it "
		"comes: one point\n"
		"                     in time (diskless: no file on the "
		"server, after its\n"
		"                     repl-diskless-sync-delay)\n"
		"      --save-rdb=FILE  --snapshot: also write the snapshot to "
		"FILE, an RDB\n"
		"                     file that --rdb reads (the same point in "
		"time again)\n"
		"  -n DB              this database only (default: every "
		"database with keys)\n"
		"      --as-of=MS     --rdb, --snapshot: judge expiries at "
		"this time (ms\n"
		"                     since 1970, or now), not the file's "
		"ctime\n"
		"      --chunk=N      elements a read of a big key (default "
		"1000)\n"
		"      --cluster      dump every master of the Redis Cluster "
		"the URL names\n"
		"      --count=N      SCAN COUNT: keys a batch (default 1000)\n"
		"      --explode      a record for each element of a "
		"collection\n"
		"      --match=GLOB   only keys that match (SCAN MATCH); "
		"repeatable\n"
		"      --no-dedup     do not keep the keys written to drop "
		"those SCAN\n"
		"                     returns twice (saves ~20 bytes a key)\n"
		"      --partition=K/N  only the keys of part K of N, by "
		"their cluster hash\n"
		"                     slot: the N parts are the whole\n"
		"      --stats        an audit instead of records: by type, by "
		"pattern,\n"
		"                     TTLs, memory, the biggest keys\n"
		"      --depth=N      --stats: patterns up to the Nth ':' "
		"(default 2)\n"
		"      --sample=N     --stats: MEMORY USAGE of every Nth key "
		"(default 1)\n"
		"      --top=N        --stats: the N biggest keys (default "
		"20)\n"
		"      --timeout=S    wait this long for a reply (default 60)\n"
		"      --type=TYPE    only keys of this type (SCAN TYPE)\n"
		"      --tls          TLS (as rediss:// does); the server's "
		"certificate is\n"
		"                     checked against the system's CAs, or:\n"
		"      --cacert=FILE  the CA certificates (PEM) that sign the "
		"server's\n"
		"      --cert=FILE, --key=FILE  a client certificate and its "
		"key (PEM)\n"
		"  -v, --verbose      counts on stderr when done\n"
		"  -h, --help         this help\n"
		"  -V, --version      the version\n");
}

/* Where to connect, and as whom. */
struct target {
	char *host;
	int port;
	const char *socket;
	char *user, *password;
	char name[300]; /* for messages: never the password */
	int db;		/* -1: not chosen */
	struct timeval tv;
	int tls; /* rediss:// or --tls */
	struct rd_tls tlso;
};

static long
number(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		warnx("%s: not a number from %ld to %ld: %s", opt, min, max, s);
		usage();
	}
	return v;
}

static void
parse_url(struct target *t, const char *url)
{
	struct rd_url u;
	char why[200];

	if (rd_parse_url(&u, url, why, sizeof(why)) < 0)
		errx(2, "-u: %s", why);
	t->host = u.host;
	t->user = u.user;
	t->password = u.password;
	t->port = u.port;
	t->db = u.db;
	t->tls |= u.tls;
}

static void
name_target(struct target *t)
{
	if (t->socket)
		snprintf(t->name, sizeof(t->name), "%s", t->socket);
	else if (strchr(t->host, ':'))
		snprintf(t->name, sizeof(t->name), "[%s]:%d", t->host, t->port);
	else
		snprintf(t->name, sizeof(t->name), "%s:%d", t->host, t->port);
}

static redisReply *
command(redisContext *c, const char *where, int argc, const char **argv)
{
	size_t len[8];
	int i;

	for (i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	rd_append(c, where, argc, argv, len);
	return rd_reply(c, where, argv[0]);
}

/* The latest connection, where a leak checker sees it at an errx. */
static redisContext *volatile held;

/* Connect, log in, and choose db (when >= 0); exits 3 when it cannot. */
static redisContext *
connect_to(const struct target *t, int db)
{
	redisContext *c;
	redisReply *r;
	const char *argv[3];
	char dbs[24];

	if (t->tls) {
		char why[400];
		int fd = rd_tls_connect(t->host, t->port, &t->tlso, &t->tv, why,
					sizeof(why));
		if (fd < 0)
			errx(3, "%s: %s", t->name, why);
		c = redisConnectFd(fd);
	} else {
		c = t->socket
			    ? redisConnectUnixWithTimeout(t->socket, t->tv)
			    : redisConnectWithTimeout(t->host, t->port, t->tv);
	}
	held = c;
	if (!c)
		errx(3, "%s: out of memory", t->name);
	if (c->err)
		errx(3, "%s: cannot connect: %s", t->name, c->errstr);
	if (redisSetTimeout(c, t->tv) != REDIS_OK)
		errx(3, "%s: %s", t->name, c->errstr);
	if (t->password) {
		argv[0] = "AUTH";
		argv[1] = t->user ? t->user : t->password;
		argv[2] = t->password;
		r = command(c, t->name, t->user ? 3 : 2, argv);
		if (r->type == REDIS_REPLY_ERROR)
			errx(3, "%s: login%s%s refused: %s", t->name,
			     t->user ? " as " : "", t->user ? t->user : "",
			     r->str);
		freeReplyObject(r);
	}
	if (db >= 0) {
		snprintf(dbs, sizeof(dbs), "%d", db);
		argv[0] = "SELECT";
		argv[1] = dbs;
		r = command(c, t->name, 2, argv);
		if (r->type == REDIS_REPLY_ERROR)
			errx(3, "%s: SELECT %d: %s", t->name, db, r->str);
		freeReplyObject(r);
	}
	return c;
}

/* The side connection's opener: the target and db being dumped. */
struct side_arg {
	const struct target *t;
	int db;
};

static redisContext *
open_side(void *arg)
{
	struct side_arg *s = arg;

	return connect_to(s->t, s->db);
}

/*
 * The databases that hold keys, from INFO keyspace, how many of their keys
 * expire, and how many hashes have fields that expire (subexpiry, Redis 7.4;
 * -1 before); their count.
 */
static int
databases(redisContext *c, const char *where, int *dbs, long long *expires,
	  long long *subexpiry, int max)
{
	const char *argv[2] = {"INFO", "keyspace"};
	redisReply *r = command(c, where, 2, argv);
	const char *p;
	int n = 0;

	if (r->type != REDIS_REPLY_STRING)
		errx(3, "%s: INFO keyspace: %s", where,
		     r->type == REDIS_REPLY_ERROR ? r->str : "another shape");
	for (p = r->str; (p = strstr(p, "\ndb")) && n < max; p++) {
		char *end, *ex;
		long db = strtol(p + 3, &end, 10);
		if (end == p + 3 || *end != ':')
			continue;
		ex = strstr(end, "expires=");
		expires[n] = ex && ex < strchr(end, '\n') ? atoll(ex + 8) : -1;
		ex = strstr(end, "subexpiry=");
		subexpiry[n] =
			ex && ex < strchr(end, '\n') ? atoll(ex + 10) : -1;
		dbs[n++] = (int)db;
	}
	freeReplyObject(r);
	return n;
}

/*
 * 1 when the server has the command (COMMAND INFO: nil for one it has not;
 * an error where COMMAND itself is missing or refused).
 */
static int
has_command(redisContext *c, const char *where, const char *name)
{
	const char *argv[3] = {"COMMAND", "INFO", name};
	redisReply *r = command(c, where, 3, argv);
	int yes = r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
		  r->element[0]->type == REDIS_REPLY_ARRAY;

	freeReplyObject(r);
	return yes;
}

/* 1 when the server is a Redis Cluster node (INFO cluster says so). */
static int
cluster_node(redisContext *c, const char *where)
{
	const char *argv[2] = {"INFO", "cluster"};
	redisReply *r = command(c, where, 2, argv);
	int yes = r->type == REDIS_REPLY_STRING &&
		  strstr(r->str, "cluster_enabled:1") != NULL;

	freeReplyObject(r);
	return yes;
}

/*
 * 1 when a CLUSTER NODES line's slots (the fields after the eighth:
 * "0-5460", "5461", "[5462->-id]" while migrating) meet [lo, hi).  A slot
 * on its way in or out counts for both nodes: each filters its own keys.
 */
static int
has_slots(char *rest, unsigned lo, unsigned hi, char **save)
{
	char *f;
	unsigned long a, b;

	for (f = strtok_r(rest, " ", save); f; f = strtok_r(NULL, " ", save)) {
		if (*f == '[')
			f++;
		a = strtoul(f, &f, 10);
		b = *f == '-' && f[1] != '>' && f[1] != '<'
			    ? strtoul(f + 1, NULL, 10)
			    : a;
		if (a < hi && b >= lo)
			return 1;
	}
	return 0;
}

/*
 * The masters of a cluster, from CLUSTER NODES, as targets: with
 * --partition, those that hold a slot of the part.
 */
static int
masters(redisContext *c, const struct target *seed, const struct options *o,
	struct target **out)
{
	const char *argv[2] = {"CLUSTER", "NODES"};
	redisReply *r = command(c, seed->name, 2, argv);
	char *line, *save, *f[8], *s2;
	struct target *m = NULL;
	int n = 0, k;

	if (r->type == REDIS_REPLY_ERROR)
		errx(3, "%s: CLUSTER NODES: %s", seed->name, r->str);
	if (r->type != REDIS_REPLY_STRING)
		errx(3, "%s: CLUSTER NODES: a reply of another shape",
		     seed->name);
	for (line = strtok_r(r->str, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* <id> <ip:port@cport[,host]> <flags> ... */
		for (k = 0;
		     k < 8 && (f[k] = strtok_r(k ? NULL : line, " ", &s2)); k++)
			;
		if (k < 3 || !strstr(f[2], "master") || strstr(f[2], "fail") ||
		    strstr(f[2], "noaddr"))
			continue;
		if (o->part.n > 1) {
			unsigned lo, hi;
			rd_part_slots(o, &lo, &hi);
			if (k < 8 || !has_slots(NULL, lo, hi, &s2))
				continue;
		}
		m = realloc(m, (size_t)(n + 1) * sizeof(*m));
		if (!m)
			abort();
		m[n] = *seed;
		m[n].socket = NULL;
		char *at = strchr(f[1], '@'), *colon;
		if (at)
			*at = 0;
		colon = strrchr(f[1], ':');
		if (!colon)
			errx(3, "%s: CLUSTER NODES: a node without a port: %s",
			     seed->name, f[1]);
		*colon = 0;
		m[n].host = strdup(*f[1] ? f[1] : seed->host);
		m[n].port = (int)strtol(colon + 1, NULL, 10);
		if (!m[n].host)
			abort();
		name_target(&m[n]);
		n++;
	}
	freeReplyObject(r);
	*out = m;
	return n;
}

static void
dump_target(const struct target *t, const struct options *o, struct counts *n,
	    struct stats *st, struct buf *out, struct seen *seen, size_t *peak)
{
	redisContext *c = connect_to(t, -1);
	int dbs[1024], all[1024], ndb, nall, i, k;
	long long expires[1024], ex[1024], subexp[1024], sx[1024];
	struct dumper d;
	struct side_arg sa = {t, 0};
	/* a cluster's node named alone: its own keys, no MGET across slots */
	int node = o->cluster || cluster_node(c, t->name);
	int pexpiretime = has_command(c, t->name, "PEXPIRETIME");

	nall = databases(c, t->name, all, ex, sx, 1024);
	if (o->cluster || o->db >= 0) {
		dbs[0] = o->cluster ? 0 : o->db;
		expires[0] = subexp[0] = 0; /* not listed: empty */
		for (k = 0; k < nall; k++)
			if (all[k] == dbs[0]) {
				expires[0] = ex[k];
				subexp[0] = sx[k];
			}
		ndb = 1;
	} else {
		memcpy(dbs, all, sizeof(all));
		memcpy(expires, ex, sizeof(ex));
		memcpy(subexp, sx, sizeof(sx));
		ndb = nall;
	}
	for (i = 0; i < ndb; i++) {
		if (!o->cluster) {
			redisReply *r;
			char db[24];
			const char *argv[2] = {"SELECT", db};
			snprintf(db, sizeof(db), "%d", dbs[i]);
			r = command(c, t->name, 2, argv);
			if (r->type == REDIS_REPLY_ERROR)
				errx(3, "%s: SELECT %d: %s", t->name, dbs[i],
				     r->str);
			freeReplyObject(r);
		}
		sa.db = o->cluster ? -1 : dbs[i];
		rd_side_opener(open_side, &sa);
		memset(&d, 0, sizeof(d));
		d.o = o;
		d.c = c;
		d.where = t->name;
		d.db = dbs[i];
		d.cluster = node;
		/* a key given a TTL during the dump may be written without,
		 * as one given it just after its read would be */
		d.no_ttl = expires[i] == 0;
		d.pexpiretime = pexpiretime;
		/* likewise a field given an expiry during the dump */
		d.fexpiry = subexp[i] > 0;
		d.fexps = (struct buf)BUF_INIT;
		d.out = *out;
		d.head = (struct buf)BUF_INIT;
		d.seen = seen;
		d.n = n;
		d.st = st;
		if (seen)
			seen_clear(seen);
		dump_db(&d);
		if (d.peak_seen > *peak)
			*peak = d.peak_seen;
		*out = d.out;
		buf_release(&d.head);
		buf_release(&d.fexps);
	}
	rd_side_opener(NULL, NULL);
	redisFree(c);
}

/*
 * An RDB stream's keys, as the SCAN dump writes them: r reads it, where
 * names it.  after (when not NULL) checks what follows it.  The status.
 */
static int
dump_stream(struct rdb_reader *r, const char *where, const struct options *o,
	    int (*after)(struct rdb_reader *r, void *arg), void *arg)
{
	struct counts n = {0};
	struct dumper d = {.o = o, .n = &n, .where = where};
	struct rdb_counts k = {0};
	int rc;

	d.out = (struct buf)BUF_INIT;
	d.head = (struct buf)BUF_INIT;
	d.fexps = (struct buf)BUF_INIT;
	if (o->stats)
		d.st = stats_new(o);
	rc = dump_rdb(&d, r, &k);
	if (rc == 0 && k.unjudged)
		warnx("%s: the file does not say when it was written (no "
		      "ctime): %llu expiries written, none judged (--as-of to "
		      "judge them)",
		      where, (unsigned long long)k.unjudged);
	if (rc == 0 && after && after(r, arg) < 0) {
		warnx("%s: %s", where, r->msg);
		rc = -1;
	}
	if (d.st) {
		stats_write(d.st, &d.out, &n);
		stats_free(d.st);
	}
	rd_flush(&d.out, 1, &n);
	if (o->verbose)
		fprintf(stderr,
			"redis-dump-ndjson: %s: %llu keys, %llu records; %llu "
			"expired, %llu hash fields expired, %llu empty, "
			"%llu skipped\n",
			where, (unsigned long long)n.written,
			(unsigned long long)n.records,
			(unsigned long long)k.expired,
			(unsigned long long)k.expired_fields,
			(unsigned long long)k.empty,
			(unsigned long long)n.skipped);
	buf_release(&d.out);
	buf_release(&d.head);
	buf_release(&d.fexps);
	return rc < 0 || n.skipped ? 1 : 0;
}

/* --as-of: milliseconds since 1970, or now. */
static long long
as_of(const char *s)
{
	struct timeval tv;
	char *end;
	long long v;

	if (strcmp(s, "now") == 0) {
		gettimeofday(&tv, NULL);
		return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0) {
		warnx("--as-of: not a time in milliseconds since 1970, nor "
		      "now: %s",
		      s);
		usage();
	}
	return v;
}

/* --rdb FILE: an RDB file's keys. */
static int
dump_file(const char *path, const struct options *o)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct rdb_reader r = {0};
	int rc;

	if (!f)
		err(3, "%s", path);
	r.f = f;
	rc = dump_stream(&r, f == stdin ? "<stdin>" : path, o, NULL, NULL);
	if (ferror(f))
		err(3, "%s", f == stdin ? "<stdin>" : path);
	if (f != stdin)
		fclose(f);
	rdb_reader_free(&r);
	return rc;
}

/* $EOF:<40 bytes> framing: the same 40 bytes after the file. */
static int
eof_mark(struct rdb_reader *r, void *arg)
{
	const char *mark = arg;
	char got[40];
	size_t n = 0, k;
	ssize_t m;

	k = r->len - r->pos < 40 ? r->len - r->pos : 40;
	memcpy(got, r->buf + r->pos, k);
	for (n = k; n < 40; n += (size_t)m) {
		do
			m = read(r->fd, got + n, 40 - n);
		while (m < 0 && errno == EINTR);
		if (m <= 0) {
			snprintf(r->msg, sizeof(r->msg),
				 "the snapshot ends before its end mark");
			return -1;
		}
	}
	if (memcmp(got, mark, 40) != 0) {
		snprintf(r->msg, sizeof(r->msg),
			 "the snapshot's end mark is not the one announced");
		return -1;
	}
	return 0;
}

/*
 * --snapshot: a fresh RDB from the server over the replication protocol
 * (as redis-cli --rdb asks for it), read as it arrives.
 */
static int
dump_snapshot(const struct target *t, const struct options *o, int diskless,
	      const char *save)
{
	redisContext *c = connect_to(t, -1);
	struct rdb_reader r = {0};
	const char *argv[3] = {"REPLCONF", "capa", "eof"};
	char line[128], mark[41];
	redisReply *rep;
	size_t n = 0;
	ssize_t k;
	char ch;
	int rc;

	/*
	 * capa eof lets a server with repl-diskless-sync send the file as it
	 * makes it ($EOF framing), after waiting repl-diskless-sync-delay (5 s)
	 * for other replicas; without it the server saves to its disk first
	 * and sends the file's length: no wait
	 */
	if (diskless) {
		rep = command(c, t->name, 3, argv);
		freeReplyObject(rep);
	}
	/* 7.0 and later send the file and nothing after it */
	argv[1] = "rdb-only";
	argv[2] = "1";
	rep = command(c, t->name, 3, argv);
	freeReplyObject(rep);
	if (write(c->fd, "SYNC\r\n", 6) != 6)
		errx(3, "%s: SYNC: %s", t->name, strerror(errno));
	/* newlines while the server writes the file, then $LEN or $EOF:MARK */
	for (;;) {
		do
			k = read(c->fd, &ch, 1);
		while (k < 0 && errno == EINTR);
		if (k <= 0)
			errx(3, "%s: SYNC: the connection closed%s%s", t->name,
			     k < 0 ? ": " : "", k < 0 ? strerror(errno) : "");
		if (ch == '\n' && n == 0)
			continue;
		if (ch == '\n')
			break;
		if (ch != '\r' && n < sizeof(line) - 1)
			line[n++] = ch;
	}
	line[n] = '\0';
	if (line[0] == '-')
		errx(3,
		     "%s: the server refused SYNC: %s (dump without "
		     "--snapshot: the SCAN dump needs no replication rights)",
		     t->name, line + 1);
	if (line[0] != '$')
		errx(3, "%s: SYNC: an answer that is no snapshot: %.60s",
		     t->name, line);
	r.use_fd = 1;
	r.fd = c->fd;
	if (save && !(r.copy = fopen(save, "wb")))
		err(3, "%s", save);
	if (strncmp(line, "$EOF:", 5) == 0 && strlen(line) == 45) {
		memcpy(mark, line + 5, 40);
		mark[40] = '\0';
		rc = dump_stream(&r, t->name, o, eof_mark, mark);
	} else {
		char *end;
		errno = 0;
		r.limit = strtoull(line + 1, &end, 10);
		if (*end || errno || !r.limit)
			errx(3,
			     "%s: SYNC: an answer that is no snapshot: "
			     "%.60s",
			     t->name, line);
		rc = dump_stream(&r, t->name, o, NULL, NULL);
		if (rc == 0 && r.off != r.limit) {
			warnx("%s: the snapshot has %llu bytes after its end",
			      t->name, (unsigned long long)(r.limit - r.off));
			rc = 1;
		}
	}
	if (r.copy) {
		/* the file's bytes, not the end mark read after them */
		if (fflush(r.copy) != 0 ||
		    ftruncate(fileno(r.copy), (off_t)r.off) != 0 ||
		    fclose(r.copy) != 0)
			err(3, "%s", save);
		if (rc != 0)
			unlink(save); /* no half file to read later */
	}
	rdb_reader_free(&r);
	redisFree(c);
	return rc;
}

int
main(int argc, char **argv)
{
	enum {
		ASOF = 256,
		CHUNK,
		CLUSTER,
		COUNT,
		DEPTH,
		EXPLODE,
		MATCH,
		NODEDUP,
		PARTITION,
		RDB,
		SAMPLE,
		SAVERDB,
		SNAPSHOT,
		STATS,
		TIMEOUT,
		TOP,
		TYPE,
		TLS,
		CACERT,
		CERT,
		KEY
	};
	static const struct option longopts[] = {
		{"as-of", required_argument, NULL, ASOF},
		{"chunk", required_argument, NULL, CHUNK},
		{"cluster", no_argument, NULL, CLUSTER},
		{"count", required_argument, NULL, COUNT},
		{"depth", required_argument, NULL, DEPTH},
		{"explode", no_argument, NULL, EXPLODE},
		{"match", required_argument, NULL, MATCH},
		{"no-dedup", no_argument, NULL, NODEDUP},
		{"partition", required_argument, NULL, PARTITION},
		{"rdb", required_argument, NULL, RDB},
		{"snapshot", optional_argument, NULL, SNAPSHOT},
		{"sample", required_argument, NULL, SAMPLE},
		{"save-rdb", required_argument, NULL, SAVERDB},
		{"stats", no_argument, NULL, STATS},
		{"timeout", required_argument, NULL, TIMEOUT},
		{"tls", no_argument, NULL, TLS},
		{"cacert", required_argument, NULL, CACERT},
		{"cert", required_argument, NULL, CERT},
		{"key", required_argument, NULL, KEY},
		{"top", required_argument, NULL, TOP},
		{"type", required_argument, NULL, TYPE},
		{"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct options o = {.db = -1,
			    .count = 1000,
			    .chunk = 1000,
			    .dedup = 1,
			    .depth = 2,
			    .top = 20,
			    .sample = 1,
			    .as_of = -1};
	struct target t = {.port = 6379, .db = -1, .tv = {60, 0}};
	struct counts n = {0};
	struct stats *st = NULL;
	struct seen *seen = NULL;
	struct buf out = BUF_INIT;
	struct target *m = NULL;
	char *url = NULL;
	const char *rdb = NULL, *save = NULL;
	size_t peak = 0;
	int c, i, nm, stats_opts = 0, snapshot = 0, rc;

	cli_init();
	while ((c = getopt_long(argc, argv, "hn:s:u:vV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'u':
			free(url);
			url = cli_secret(optarg);
			break;
		case 's':
			t.socket = optarg;
			break;
		case 'n':
			o.db = (int)number("-n", optarg, 0, INT_MAX);
			break;
		case ASOF:
			o.as_of = as_of(optarg);
			break;
		case CHUNK:
			o.chunk = number("--chunk", optarg, 1, 1000000);
			break;
		case CLUSTER:
			o.cluster = 1;
			break;
		case PARTITION:
			cli_partition(synopsis, optarg, &o.part);
			break;
		case COUNT:
			o.count = number("--count", optarg, 1, 1000000);
			break;
		case DEPTH:
			o.depth = (int)number("--depth", optarg, 0, 1000);
			stats_opts = 1;
			break;
		case EXPLODE:
			o.explode = 1;
			break;
		case MATCH:
			o.match = realloc(o.match, (size_t)(o.nmatch + 1) *
							   sizeof(*o.match));
			if (!o.match)
				abort();
			o.match[o.nmatch++] = optarg;
			break;
		case NODEDUP:
			o.dedup = 0;
			break;
		case RDB:
			rdb = optarg;
			break;
		case SNAPSHOT: {
			static const char *const w[] = {"disk", "diskless",
							NULL};
			snapshot =
				1 + (optarg ? cli_choice(synopsis, "--snapshot",
							 optarg, w)
					    : 0);
			break;
		}
		case SAVERDB:
			save = optarg;
			break;
		case SAMPLE:
			o.sample = number("--sample", optarg, 1, LONG_MAX);
			stats_opts = 1;
			break;
		case STATS:
			o.stats = 1;
			break;
		case TIMEOUT:
			t.tv.tv_sec = number("--timeout", optarg, 1, 86400);
			break;
		case TLS:
			t.tls = 1;
			break;
		case CACERT:
			t.tlso.ca = optarg;
			break;
		case CERT:
			t.tlso.cert = optarg;
			break;
		case KEY:
			t.tlso.key = optarg;
			break;
		case TOP:
			o.top = (int)number("--top", optarg, 0, 100000);
			stats_opts = 1;
			break;
		case TYPE:
			o.type = optarg;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			help();
			break;
		case 'V':
			puts("redis-dump-ndjson 0.1");
			cli_stdout_end();
		default:
			usage();
		}
	}
	if (optind < argc) {
		warnx("unexpected argument: %s", argv[optind]);
		usage();
	}
	if (url && t.socket) {
		warnx("-u and -s: one or the other");
		usage();
	}
	if (stats_opts && !o.stats) {
		warnx("--depth, --sample and --top go with --stats");
		usage();
	}
	if (save && !snapshot) {
		warnx("--save-rdb: only with --snapshot");
		usage();
	}
	if (o.stats && o.explode) {
		warnx("--stats and --explode: one or the other");
		usage();
	}
	if (rdb) {
		if (url || t.socket || o.cluster) {
			warnx("--rdb reads a file: not with -u, -s or "
			      "--cluster");
			usage();
		}
		rc = dump_file(rdb, &o);
		free(o.match);
		free(url);
		return rc;
	}
	if (url)
		parse_url(&t, url);
	if ((t.tlso.ca || t.tlso.cert || t.tlso.key) && !t.tls) {
		warnx("--cacert, --cert and --key go with TLS (rediss:// or "
		      "--tls)");
		usage();
	}
	if (t.tlso.key && !t.tlso.cert) {
		warnx("--key goes with --cert");
		usage();
	}
	if (t.tls && t.socket) {
		warnx("TLS is for TCP: not with -s");
		usage();
	}
	if (!t.host)
		t.host = strdup("127.0.0.1");
	if (!t.password && getenv("REDISCLI_AUTH") && *getenv("REDISCLI_AUTH"))
		t.password = strdup(getenv("REDISCLI_AUTH"));
	if (t.db >= 0 && o.db >= 0 && t.db != o.db) {
		warnx("-n %d and the URL's database %d differ", o.db, t.db);
		usage();
	}
	if (t.db >= 0)
		o.db = t.db;
	if (o.cluster && (o.db > 0 || t.socket)) {
		warnx("--cluster: a cluster has database 0 only, on TCP");
		usage();
	}
	name_target(&t);
	if (snapshot) {
		if (o.cluster) {
			warnx("--snapshot: not with --cluster");
			usage();
		}
		rc = dump_snapshot(&t, &o, snapshot == 2, save);
		free(url);
		free(t.host);
		free(t.user);
		free(t.password);
		free(o.match);
		return rc;
	}
	if (o.dedup)
		seen = seen_new();
	if (o.stats)
		st = stats_new(&o);
	if (o.cluster) {
		redisContext *seed = connect_to(&t, -1);
		nm = masters(seed, &t, &o, &m);
		redisFree(seed);
		if (nm == 0)
			errx(3, "%s: CLUSTER NODES lists no master", t.name);
		for (i = 0; i < nm; i++) {
			dump_target(&m[i], &o, &n, st, &out, seen, &peak);
			free(m[i].host);
		}
		free(m);
	} else {
		dump_target(&t, &o, &n, st, &out, seen, &peak);
	}
	if (st)
		stats_write(st, &out, &n);
	rd_flush(&out, 1, &n);
	if (o.verbose)
		fprintf(stderr,
			"redis-dump-ndjson: %llu keys, %llu records; %llu "
			"vanished, %llu changed type, %llu seen twice, %llu "
			"skipped; %zu bytes of keys seen\n",
			(unsigned long long)n.written,
			(unsigned long long)n.records,
			(unsigned long long)n.vanished,
			(unsigned long long)n.changed,
			(unsigned long long)n.twice,
			(unsigned long long)n.skipped, peak);
	stats_free(st);
	seen_free(seen);
	buf_release(&out);
	free(t.host);
	free(t.user);
	free(t.password);
	free(o.match);
	free(url);
	return n.skipped || n.torn ? 1 : 0;
}
