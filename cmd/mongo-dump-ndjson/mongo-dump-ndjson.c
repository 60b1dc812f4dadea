/*
 * mongo-dump-ndjson: what mongodump wrote (.bson files, dump directories,
 * standard input) as NDJSON, one record a document, in MongoDB Extended
 * JSON v2 (relaxed or canonical) or in plain values PostgreSQL loads.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <bson/bson.h>

#include "buf.h"
#include "cli.h"
#include "isotime.h"
#include "json.h"
#include "mdump.h"
#include "pct.h"

#define READ_AT (1 << 20)
/* MongoDB's 16 MiB and mongodump's slack, with room to spare */
#define MAX_DOC (48 << 20)

struct options {
	enum mode mode;
	struct since *since;
	const char *db, *collection;
	int tag; /* -1: when the input is a directory or several files */
	int tag_archive; /* an archive's: unless --no-tag */
	int verbose;
	int list;
	struct bson_fields *fields;
	enum { DDL_NONE, DDL_PRE, DDL_POST } ddl;
	struct cli_partition part;
};

static const char synopsis[] =
	"usage: mongo-dump-ndjson [-hVv] [--collection=NAME] [--db=NAME] "
	"[--ddl=pre|post]\n"
	"       [--fields=PATHS] [--list]"
	" [--mode=relaxed|canonical|pg] [--partition=K/N]\n"
	"       [--since=FIELD=VALUE] [--tag | --no-tag]\n"
	"       [PATH ...]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(
		synopsis,
		"\nWrite the documents mongodump wrote as NDJSON "
		"(ndjson-migrate(7)): PATH is a\n"
		".bson file, a dump directory (every database and "
		"collection in it), or -\n"
		"for standard input (the default).\n\n"
		"      --collection=NAME  only this collection of a "
		"directory\n"
		"      --db=NAME          only this database of a directory\n"
		"      --ddl=pre|post     PostgreSQL DDL instead of documents: "
		"tables (pre,\n"
		"                         from a scan), or the metadata's "
		"indexes (post)\n"
		"      --fields=PATHS     only these fields: a,b.c (dotted "
		"paths)\n"
		"      --list             databases, collections, documents "
		"and indexes\n"
		"                         (tab separated), no documents\n"
		"      --mode=MODE        relaxed (Extended JSON v2, as "
		"mongoexport; the\n"
		"                         default), canonical (as bsondump) "
		"or pg (plain\n"
		"                         values PostgreSQL loads)\n"
		"      --partition=K/N    only part K of N of the documents, "
		"by their _id:\n"
		"                         the N parts are the whole\n"
		"      --tag, --no-tag    the $table routing field: the "
		"collection (default:\n"
		"                         with a directory or several files)\n"
		"      --since=FIELD=VALUE  only documents whose FIELD is "
		"greater: a date,\n"
		"                         number, string or ObjectId, "
		"compared as its type\n"
		"  -v, --verbose          documents a collection, on stderr\n"
		"  -h, --help             this help\n"
		"  -V, --version          the version\n");
}

struct dumper {
	const struct options *o;
	struct buf out, tag;
	struct buf scratch; /* --list, --ddl: a document converted, dropped */
	struct {
		char *table, *source;
	} * tables; /* the tables written to, and whose */
	size_t ntables;
	int count_only;	  /* documents counted, nothing else (an oplog) */
	uint64_t matched; /* collections --db and --collection selected */
	uint8_t *buf;
	size_t cap;
	int status;		  /* the exit status so far */
	int archive;		  /* the file was an archive: listed already */
	struct coll_ddl *cur_ddl; /* --ddl: the collection being scanned */
};

static void
flush(struct dumper *d, int final)
{
	cli_flush(&d->out, final, d->status);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Documents one after another from a (maybe gzipped) stream. */
struct docs {
	struct dumper *d;
	struct input *in;
	const char *name;
	size_t start, end;
	uint64_t off, docno; /* the next document's byte and number - 1 */
	int eof;
};

static int __attribute__((format(printf, 2, 3)))
bad(struct docs *r, const char *fmt, ...)
{
	char m[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	warnx("%s: document %llu at byte %llu: %s", r->name,
	      (unsigned long long)r->docno + 1, (unsigned long long)r->off, m);
	r->d->status = r->d->status > 1 ? r->d->status : 1;
	return -1;
}

#define TERMINATOR 1 /* ff ff ff ff is one: 2 */
#define MAGIC 2	     /* an archive's magic number: 3, and it is skipped */

/*
 * The next document: 1 with *p and *len, 0 at the end, -1 after an error
 * that ends the stream (reported); what flags allow, as they say.
 */
static int
next_doc(struct docs *r, const uint8_t **p, size_t *len, int flags)
{
	struct dumper *d = r->d;
	const char *m;
	size_t n;
	long got;

	for (;;) {
		/* at least a length's 4 bytes, then the whole document */
		n = r->end - r->start >= 4 ? le32(d->buf + r->start) : 4;
		if ((flags & (TERMINATOR | MAGIC)) && r->end - r->start >= 4 &&
		    (n == 0xffffffff || n == 0x8199e26d)) {
			int what = n == 0xffffffff ? TERMINATOR : MAGIC;
			if (flags & what) {
				r->start += 4;
				r->off += 4;
				return what + 1;
			}
		}
		if (n < 5 && r->end - r->start >= 4)
			return bad(r, "a length of %zu, not a BSON document",
				   n);
		if (n > MAX_DOC)
			return bad(r,
				   "a length of %zu, more than a document "
				   "can be",
				   n);
		if (r->end - r->start >= n)
			break;
		if (r->eof) {
			if (r->end == r->start)
				return 0;
			return bad(r,
				   "cut short: %zu bytes of %zu (a "
				   "truncated file)",
				   r->end - r->start,
				   r->end - r->start < 4 ? (size_t)4 : n);
		}
		if (r->start > 0) {
			memmove(d->buf, d->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (d->cap < n + READ_AT) {
			d->cap = n + READ_AT;
			if (!(d->buf = realloc(d->buf, d->cap)))
				err(3, "out of memory");
		}
		got = input_read(r->in, d->buf + r->end, d->cap - r->end, &m);
		if (got == 0) {
			r->eof = 1; /* the end, cleanly */
			continue;
		}
		if (got < 0)
			return bad(r, "a corrupt gzip file: %s", m);
		r->end += (size_t)got;
	}
	*p = d->buf + r->start;
	*len = n;
	r->start += n;
	r->off += n;
	r->docno++;
	return 1;
}

/*
 * --partition=K/N: 1 when the document is part K's.  A document's part
 * comes from its _id's BSON type and bytes (FNV-1a, mixed, scaled to N), so
 * that it does not depend on where the document is in the file; one without an
 * _id goes by its number in the file.  A corrupt document is every part's
 * (each reports it): the writer says where it is.
 */
static int
in_part(const struct options *o, const uint8_t *p, size_t len, uint64_t docno)
{
	bson_iter_t it;
	uint64_t h = 14695981039346656037ull;
	uint32_t i;

	if (o->part.n <= 1)
		return 1;
	if (!bson_iter_init_from_data(&it, p, len))
		return 1;
	if (!bson_iter_find(&it, "_id"))
		return docno % o->part.n == o->part.k - 1;
	/* the type byte, then the value's bytes up to the next element */
	h = (h ^ (uint8_t)bson_iter_type(&it)) * 1099511628211ull;
	for (i = it.d1; i < it.next_off; i++)
		h = (h ^ it.raw[i]) * 1099511628211ull;
	/* MurmurHash3's finalizer: FNV's high bits barely move with the
	 * last byte, where ObjectIds made one after another differ */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (h >> 32) * o->part.n >> 32 == o->part.k - 1;
}

/* One document out (or counted with --list); 1 when written. */
static int
put_doc(struct docs *r, const uint8_t *p, size_t len, const char *table)
{
	struct dumper *d = r->d;
	struct bson_problem pb;
	/* --list and --ddl count and scan what the data run writes: each
	 * document is converted, into a buffer then dropped */
	int scan = d->o->list || d->o->ddl;
	struct buf *out = scan ? &d->scratch : &d->out;
	int w;

	if (d->count_only)
		return 1;
	if (!scan && !in_part(d->o, p, len, r->docno))
		return 0;
	if (!scan && d->o->since &&
	    (w = since_keep(d->o->since, p, len)) <= 0) {
		if (w < 0) {
			/* the first said, the others counted at the end */
			if (d->o->since->other == 1)
				warnx("%s: document %llu: --since: its %s is "
				      "of "
				      "a kind %s cannot be compared with: not "
				      "written",
				      r->name, (unsigned long long)r->docno,
				      d->o->since->field, d->o->since->value);
			d->status = d->status > 1 ? d->status : 1;
		}
		return 0;
	}
	w = bson_to_json(out, p, len, d->o->mode, table ? d->tag.data : NULL,
			 d->tag.len, d->o->fields, &pb);
	if (w != 0) {
		warnx("%s: document %llu at byte %llu: %s (at byte %llu)",
		      r->name, (unsigned long long)r->docno,
		      (unsigned long long)(r->off - len), pb.what,
		      (unsigned long long)(r->off - len + pb.offset));
		d->status = d->status > 1 ? d->status : 1;
	}
	if (w < 0)
		return 0;
	if (scan) {
		buf_reset(out);
		if (d->cur_ddl)
			ddl_doc(d->cur_ddl, p, len);
		return 1;
	}
	buf_addch(&d->out, '\n');
	flush(d, 0);
	return 1;
}

static void
set_tag(struct dumper *d, const char *table, size_t len)
{
	buf_reset(&d->tag);
	buf_adds(&d->tag, "\"$table\":");
	json_write_text(&d->tag, table, len);
}

/* A string member of a small BSON document (NUL-terminated by BSON). */
static const char *
str_of(const uint8_t *p, size_t len, const char *key)
{
	bson_iter_t it;

	if (bson_iter_init_from_data(&it, p, len) && bson_iter_find(&it, key) &&
	    BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

/* An archive's collections, in the order of its metadata. */
static struct ns {
	char *db, *coll;
	uint64_t docs;
	long indexes; /* -1: no metadata */
	int ended;    /* its EOF header was read */
	int claimed;  /* its table was asked for (claim_table) */
	int refused;  /* another collection has its table */
	enum {
		NS_COLL,
		NS_OPLOG, /* db "", collection "oplog": mongodump --oplog */
		NS_TIMESERIES, /* a time-series view: its data is buckets */
		NS_BUCKETS,    /* system.buckets.X: a time-series' buckets */
	} kind;
	uint64_t crc; /* CRC-64/ECMA (as Go's) of its documents' bytes */
	char *meta;   /* its metadata, for --ddl */
	struct coll_ddl *ddl;
} * nss;
static int nns;

static long index_count(const char *json, size_t len, const char *where,
			struct dumper *d);
static int claim_table(struct dumper *d, const char *table, const char *source);
static void list_line(struct dumper *d, const char *db, const char *coll,
		      uint64_t docs, long nindex);

static struct ns *
ns_of(const char *db, const char *coll, const char *metadata)
{
	int i;

	for (i = 0; i < nns; i++)
		if (strcmp(nss[i].db, db) == 0 &&
		    strcmp(nss[i].coll, coll) == 0)
			return &nss[i];
	if (!(nss = realloc(nss, (size_t)(nns + 1) * sizeof(*nss))))
		err(3, "out of memory");
	nss[nns].db = strdup(db);
	nss[nns].coll = strdup(coll);
	if (!nss[nns].db || !nss[nns].coll)
		err(3, "out of memory");
	nss[nns].docs = 0;
	nss[nns].ended = 0;
	nss[nns].claimed = 0;
	nss[nns].kind = !*db && strcmp(coll, "oplog") == 0	    ? NS_OPLOG
			: strncmp(coll, "system.buckets.", 15) == 0 ? NS_BUCKETS
								    : NS_COLL;
	nss[nns].refused = 0;
	nss[nns].crc = 0;
	/* (mongodump writes "" for a namespace without metadata) */
	if (metadata && !*metadata)
		metadata = NULL;
	nss[nns].meta = metadata ? strdup(metadata) : NULL;
	nss[nns].ddl = NULL;
	nss[nns].indexes =
		metadata ? index_count(metadata, strlen(metadata), coll, NULL)
			 : -1;
	return &nss[nns++];
}

/*
 * CRC-64 with the ECMA-182 polynomial, reflected, complemented before and
 * after, as Go's hash/crc64 computes it (CRC-64/XZ: "123456789" gives
 * 995dc9bbdf1939fa): what mongodump writes in each collection's EOF
 * header over the bytes of its documents.
 */
static uint64_t
crc64_update(uint64_t crc, const uint8_t *p, size_t n)
{
	static uint64_t tab[256];
	uint64_t c;
	int i, j;

	if (!tab[1])
		for (i = 0; i < 256; i++) {
			for (c = (uint64_t)i, j = 0; j < 8; j++)
				c = c & 1 ? (c >> 1) ^ 0xC96C5795D7870F42ULL
					  : c >> 1;
			tab[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = tab[(uint8_t)crc ^ *p++] ^ (crc >> 8);
	return ~crc;
}

/* An archive's collection's table, claimed once: -1 when refused. */
static int
ns_claim(struct dumper *d, struct ns *ns)
{
	char *source;

	if (!ns->claimed && (d->o->tag_archive || d->o->ddl)) {
		if (asprintf(&source, "%s.%s", ns->db, ns->coll) < 0)
			err(3, "out of memory");
		ns->refused = claim_table(d, ns->coll, source) < 0;
		free(source);
	}
	ns->claimed = 1;
	return ns->refused ? -1 : 0;
}

/* Is db.coll one that --db and --collection ask for? */
static int
wanted(const struct options *o, const char *db, const char *coll)
{
	return (!o->db || strcmp(db, o->db) == 0) &&
	       (!o->collection || strcmp(coll, o->collection) == 0);
}

/* A time-series collection: refused by name. */
static void
timeseries(struct dumper *d, const char *db, const char *coll)
{
	warnx("%s.%s: a time-series collection: its documents are buckets "
	      "(system.buckets.%s), not measurements: not read",
	      db, coll, coll);
	d->status = d->status > 1 ? d->status : 1;
}

/*
 * mongodump --oplog: the oplog of a dump (an archive's, or its
 * oplog.bson) with entries in it.  The dump is only consistent once they
 * are applied, which mongo-dump-ndjson does not do: said, status 1.
 */
static void
oplog_entries(struct dumper *d, const char *where, uint64_t n)
{
	if (!n)
		return;
	warnx("%s: an oplog of %llu entries (mongodump --oplog): the dump is "
	      "consistent only once they are applied (mongorestore "
	      "--oplogReplay), which mongo-dump-ndjson does not do",
	      where, (unsigned long long)n);
	d->status = d->status > 1 ? d->status : 1;
}

/*
 * A mongodump --archive stream, after its magic number: the header and
 * collection metadata, then segments of each collection's documents.
 */
static uint64_t
dump_archive(struct docs *r)
{
	struct dumper *d = r->d;
	const uint8_t *p;
	size_t len;
	uint64_t count = 0;
	const char *db, *coll;
	struct ns *ns;
	bson_iter_t it;
	int k, want, i;

	/* the header, then metadata documents up to a terminator */
	if ((k = next_doc(r, &p, &len, 0)) != 1)
		return k == 0 ? (bad(r, "an archive without its header"), 0)
			      : 0;
	while ((k = next_doc(r, &p, &len, TERMINATOR)) == 1)
		if ((db = str_of(p, len, "db")) &&
		    (coll = str_of(p, len, "collection"))) {
			ns = ns_of(db, coll, str_of(p, len, "metadata"));
			if ((coll = str_of(p, len, "type")) &&
			    strcmp(coll, "timeseries") == 0)
				ns->kind = NS_TIMESERIES;
		}
	if (k != 2)
		return k == 0 ? (bad(r, "an archive cut in its prelude"), 0)
			      : 0;
	/* every collection the prelude names has its table and indexes,
	 * one without documents too */
	for (i = 0; i < nns; i++)
		if (nss[i].kind == NS_TIMESERIES) {
			nss[i].ended = 1; /* (its data is its buckets') */
			if (wanted(d->o, nss[i].db, nss[i].coll))
				timeseries(d, nss[i].db, nss[i].coll);
		} else if (nss[i].kind == NS_COLL &&
			   wanted(d->o, nss[i].db, nss[i].coll)) {
			d->matched++;
			ns_claim(d, &nss[i]);
			if (d->o->ddl && !nss[i].refused) {
				nss[i].ddl =
					ddl_begin(nss[i].coll, d->o->fields);
				ddl_watch(nss[i].ddl, nss[i].meta,
					  nss[i].meta ? strlen(nss[i].meta)
						      : 0);
			}
		}
	/* segments: a namespace header, documents, a terminator */
	for (;;) {
		if ((k = next_doc(r, &p, &len, 0)) != 1) {
			for (i = 0; k == 0 && i < nns; i++)
				if (!nss[i].ended) {
					bad(r,
					    "the archive ends before the "
					    "end of %s.%s",
					    nss[i].db, nss[i].coll);
					break;
				}
			return count;
		}
		db = str_of(p, len, "db");
		coll = str_of(p, len, "collection");
		if (!db || !coll) {
			bad(r, "a namespace header without db and collection");
			return count;
		}
		ns = ns_of(db, coll, NULL);
		want = ns->kind == NS_COLL && wanted(d->o, db, coll) &&
		       !ns_claim(d, ns);
		d->matched += want;
		if (ns->kind == NS_BUCKETS && !ns->claimed &&
		    wanted(d->o, db, coll + 15)) {
			/* (said already when the prelude named the view) */
			for (i = 0; i < nns; i++)
				if (nss[i].kind == NS_TIMESERIES &&
				    strcmp(nss[i].db, db) == 0 &&
				    strcmp(nss[i].coll, coll + 15) == 0)
					break;
			if (i == nns)
				timeseries(d, db, coll + 15);
			ns->claimed = 1;
		}
		if (bson_iter_init_from_data(&it, p, len) &&
		    bson_iter_find(&it, "EOF") && BSON_ITER_HOLDS_BOOL(&it) &&
		    bson_iter_bool(&it)) {
			ns = ns_of(db, coll, NULL);
			ns->ended = 1;
			if (bson_iter_init_from_data(&it, p, len) &&
			    bson_iter_find(&it, "CRC") &&
			    BSON_ITER_HOLDS_INT64(&it) &&
			    (uint64_t)bson_iter_int64(&it) != ns->crc)
				bad(r,
				    "the documents of %s.%s do not match the "
				    "archive's CRC-64 for them (a damaged "
				    "archive)",
				    db, coll);
			if ((k = next_doc(r, &p, &len, TERMINATOR)) != 2)
				return k >= 0 ? (bad(r,
						     "%s after the end of "
						     "%s.%s",
						     k ? "no terminator"
						       : "an archive cut",
						     db, coll),
						 count)
					      : count;
			continue;
		}
		if (want)
			set_tag(d, coll, strlen(coll));
		ns = ns_of(db, coll, NULL);
		if (want && d->o->ddl && !ns->ddl)
			ns->ddl = ddl_begin(coll, d->o->fields);
		d->cur_ddl = ns->ddl; /* (post: arrays under unique keys) */
		while ((k = next_doc(r, &p, &len, TERMINATOR)) == 1) {
			ns->crc = crc64_update(ns->crc, p, len);
			if (ns->kind == NS_OPLOG)
				ns->docs++; /* entries, not applied */
			else if (want &&
				 put_doc(r, p, len,
					 d->o->tag_archive ? coll : NULL)) {
				count++;
				ns->docs++;
			}
		}
		if (k != 2)
			return k == 0 ? (bad(r, "an archive cut in a "
						"segment"),
					 count)
				      : count;
	}
}

static void ddl_plain(struct dumper *d, const char *coll, const char *path,
		      int end);

/*
 * The documents of one open file, to its end: each written, a corrupt one
 * reported (the rest go on when its length can be trusted).  table: the
 * collection for the routing field, or NULL; coll: the collection the
 * file's name says (NULL when it names none: standard input, a pipe);
 * path: the file, for its metadata (NULL for standard input).
 */
static uint64_t
dump_fd(struct dumper *d, struct input *in, const char *name, const char *table,
	const char *coll, const char *path)
{
	struct docs r = {d, in, name, 0, 0, 0, 0, 0};
	const uint8_t *p;
	size_t len;
	uint64_t count = 0;
	int k;

	if (table)
		set_tag(d, table, strlen(table));
	/* an archive starts with its magic number */
	if ((k = next_doc(&r, &p, &len, MAGIC)) == MAGIC + 1) {
		count = dump_archive(&r);
		for (k = 0; k < nns; k++) {
			if (nss[k].kind == NS_OPLOG)
				oplog_entries(d, name, nss[k].docs);
			if (d->o->list && nss[k].kind == NS_COLL &&
			    (!d->o->db || strcmp(nss[k].db, d->o->db) == 0) &&
			    (!d->o->collection ||
			     strcmp(nss[k].coll, d->o->collection) == 0))
				list_line(d, nss[k].db, nss[k].coll,
					  nss[k].docs, nss[k].indexes);
			if (nss[k].ddl &&
			    ddl_write(nss[k].ddl, d->o->ddl == DDL_POST,
				      nss[k].meta,
				      nss[k].meta ? strlen(nss[k].meta) : 0,
				      &d->out, nss[k].coll))
				d->status = d->status > 1 ? d->status : 1;
			ddl_free(nss[k].ddl);
			free(nss[k].meta);
			free(nss[k].db);
			free(nss[k].coll);
		}
		free(nss);
		nss = NULL;
		nns = 0;
		d->archive = 1;
		d->cur_ddl = NULL;
	} else if (d->o->ddl && !coll) {
		/* documents alone: no name for their table, no metadata */
		warnx("%s: --ddl: documents without a collection's name (not "
		      "COLLECTION.bson, nor an archive): give the file",
		      name);
		d->status = d->status > 1 ? d->status : 1;
	} else {
		if (d->o->ddl)
			ddl_plain(d, coll, path, 0);
		while (k == 1) {
			count += (uint64_t)put_doc(&r, p, len, table);
			k = next_doc(&r, &p, &len, 0);
		}
		if (d->o->ddl)
			ddl_plain(d, coll, path, 1);
	}
	if (d->o->verbose && !d->count_only)
		fprintf(stderr, "mongo-dump-ndjson: %s: %llu documents\n", name,
			(unsigned long long)count);
	return count;
}

static uint64_t
dump_file(struct dumper *d, const char *path, const char *table,
	  const char *coll)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	uint64_t n;
	struct input *in;

	if (fd < 0) {
		warn("%s", path);
		d->status = 3;
		return 0;
	}
	in = input_open(fd, fd == 0 ? "<stdin>" : path);
	n = dump_fd(d, in, fd == 0 ? "<stdin>" : path, table, coll,
		    fd == 0 ? NULL : path);
	input_close(in); /* and fd */
	return n;
}

/* The indexes metadata JSON lists; -1 (and an error) when it is not JSON. */
static long
index_count(const char *json, size_t len, const char *where, struct dumper *d)
{
	struct json_iter it, ai;
	struct json_value k, v, e;
	struct json_error je;
	long n = 0;

	if (json_object_open(&it, json, len, &je) < 0) {
		warnx("%s: metadata that is not JSON: %s at byte %zu", where,
		      je.msg, je.offset + 1);
		if (d)
			d->status = d->status > 1 ? d->status : 1;
		return -1;
	}
	while (json_object_next(&it, &k, &v, &je) > 0)
		if (json_string_equals(&k, "indexes", 7) &&
		    v.type == JSON_ARRAY) {
			json_array_open(&ai, &v);
			while (json_array_next(&ai, &e) > 0)
				n++;
		}
	return n;
}

/*
 * The indexes a collection's .metadata.json (or .gz) lists, or -1 when it
 * has none; a metadata file that is not JSON is an error.
 */
static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* A collection file's name without .bson or .bson.gz: its length. */
static size_t
stem_len(const char *name)
{
	size_t n = strlen(name);

	return ends_with(name, ".bson")	     ? n - 5
	       : ends_with(name, ".bson.gz") ? n - 8
					     : n;
}

/*
 * A collection's .metadata.json (or .gz) beside its .bson into text: 1,
 * or 0 when it has none.  where gets the metadata file's name.
 */
static int
read_metadata(const char *bson_path, struct buf *text, struct buf *where)
{
	char chunk[65536];
	gzFile gz;
	int r;
	size_t stem = stem_len(bson_path);

	buf_reset(text);
	buf_reset(where);
	buf_add(where, bson_path, stem);
	buf_adds(where, ".metadata.json");
	if (access(where->data, R_OK) != 0)
		buf_adds(where, ".gz");
	if (access(where->data, R_OK) != 0 || !(gz = gzopen(where->data, "rb")))
		return 0;
	while ((r = gzread(gz, chunk, sizeof(chunk))) > 0)
		buf_add(text, chunk, (size_t)r);
	gzclose(gz);
	return 1;
}

/*
 * A collection file's collection, as mongorestore reads it: its metadata's
 * collectionName, else its file name without .bson[.gz] unescaped as
 * mongodump escaped it (url.QueryEscape: '+' a space, %XX a byte).  NULL,
 * reported, for a name mongodump cut (past 238 escaped bytes: 208 of
 * them, %24 and a hash) that no metadata names.  The caller frees it.
 */
static char *
coll_name(struct dumper *d, const char *db, const char *path)
{
	struct buf text = BUF_INIT, where = BUF_INIT, name = BUF_INIT;
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	const char *base = strrchr(path, '/');
	char *coll = NULL;
	int ts = 0;
	size_t stem;

	base = base ? base + 1 : path;
	stem = stem_len(base);
	if (strcmp(path, "-") != 0 && read_metadata(path, &text, &where) &&
	    json_object_open(&it, text.data, text.len, &je) == 0) {
		while (json_object_next(&it, &k, &v, &je) > 0) {
			if (v.type != JSON_STRING)
				continue;
			if (json_string_equals(&k, "collectionName", 14)) {
				json_unescape(&name, v.p, v.len);
				if (!(coll = strdup(name.data)))
					err(3, "out of memory");
			} else if (json_string_equals(&k, "type", 4) &&
				   json_string_equals(&v, "timeseries", 10)) {
				ts = 1; /* (8.3's viewless: buckets too) */
			}
		}
	}
	if (!coll && stem == 238 && memmem(base, stem, "%24", 3)) {
		warnx("%s: a name mongodump cut (past 238 bytes), and no "
		      "collectionName in its metadata: skipped",
		      path);
		d->status = d->status > 1 ? d->status : 1;
	} else if (!coll) {
		coll = pct_decode_query(base, stem);
	}
	if (coll && (ts || strncmp(coll, "system.buckets.", 15) == 0)) {
		timeseries(d, db, ts ? coll : coll + 15);
		free(coll);
		coll = NULL;
	}
	buf_release(&text);
	buf_release(&where);
	buf_release(&name);
	return coll;
}

/*
 * Two collections never meet in one table (routed by $table, or made by
 * --ddl): 0 when table is source's (or free, and now taken), -1
 * (reported) when another source has it.  source: db.coll, or the file
 * given alone.
 */
static int
claim_table(struct dumper *d, const char *table, const char *source)
{
	size_t i;

	if (d->o->list)
		return 0; /* a listing names every collection */
	for (i = 0; i < d->ntables; i++)
		if (strcmp(d->tables[i].table, table) == 0) {
			if (strcmp(d->tables[i].source, source) == 0)
				return 0;
			warnx("%s: its table \"%s\" is %s's already: not "
			      "written (take one database at a time with "
			      "--db)",
			      source, table, d->tables[i].source);
			d->status = d->status > 1 ? d->status : 1;
			return -1;
		}
	if (!(d->tables = reallocarray(d->tables, d->ntables + 1,
				       sizeof(*d->tables))) ||
	    !(d->tables[d->ntables].table = strdup(table)) ||
	    !(d->tables[d->ntables].source = strdup(source)))
		err(3, "out of memory");
	d->ntables++;
	return 0;
}

/* The indexes of a collection's metadata file, or -1 when it has none. */
static long
indexes(struct dumper *d, const char *bson_path)
{
	struct buf text = BUF_INIT, where = BUF_INIT;
	long n = -1;

	if (read_metadata(bson_path, &text, &where))
		n = index_count(text.data, text.len, where.data, d);
	buf_release(&text);
	buf_release(&where);
	return n;
}

/*
 * --ddl for one collection file: before its documents (end 0), its
 * metadata read and watched; after them (end 1), its table (pre) or the
 * indexes of its metadata (post).
 */
static void
ddl_plain(struct dumper *d, const char *coll, const char *path, int end)
{
	static struct buf text = BUF_INIT, where = BUF_INIT;
	static int meta;

	if (!end) {
		d->cur_ddl = ddl_begin(coll, d->o->fields);
		meta = path && read_metadata(path, &text, &where);
		if (meta &&
		    index_count(text.data, text.len, where.data, d) >= 0)
			ddl_watch(d->cur_ddl, text.data, text.len);
		return;
	}
	if (ddl_write(d->cur_ddl, d->o->ddl == DDL_POST,
		      meta ? text.data : NULL, text.len, &d->out, coll))
		d->status = d->status > 1 ? d->status : 1;
	ddl_free(d->cur_ddl);
	d->cur_ddl = NULL;
	buf_release(&text);
	buf_release(&where);
}

static void
list_line(struct dumper *d, const char *db, const char *coll, uint64_t docs,
	  long nindex)
{
	buf_adds(&d->out, db);
	buf_addch(&d->out, '\t');
	buf_adds(&d->out, coll);
	buf_addch(&d->out, '\t');
	buf_addu64(&d->out, docs);
	buf_addch(&d->out, '\t');
	if (nindex < 0)
		buf_addch(&d->out, '-');
	else
		buf_addu64(&d->out, (uint64_t)nindex);
	buf_addch(&d->out, '\n');
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One database's directory: each .bson a collection. */
static void
dump_db_dir(struct dumper *d, const char *dir, const char *db)
{
	struct dirent **ent;
	char *path, *coll;
	int n, i;

	if ((n = scandir(dir, &ent, NULL, alphasort)) < 0) {
		warn("%s", dir);
		d->status = 3;
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = ent[i]->d_name;
		if (name[0] == '.' || ends_with(name, ".metadata.json") ||
		    ends_with(name, ".metadata.json.gz"))
			goto next;
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			err(3, "out of memory");
		if (is_dir(path)) {
			warnx("%s: a directory inside a database's: skipped",
			      path);
		} else if (!ends_with(name, ".bson") &&
			   !ends_with(name, ".bson.gz")) {
			warnx("%s: not a .bson file: skipped", path);
		} else if (ends_with(name, ".bson.gz") && i > 0 &&
			   strlen(ent[i - 1]->d_name) + 3 == strlen(name) &&
			   strncmp(ent[i - 1]->d_name, name,
				   strlen(name) - 3) == 0) {
			/* (sorted: X.bson comes right before X.bson.gz) */
			warnx("%s: the collection's .bson is read: this copy "
			      "is skipped",
			      path);
		} else if ((coll = coll_name(d, db, path))) {
			char *source;
			if (asprintf(&source, "%s.%s", db, coll) < 0)
				err(3, "out of memory");
			int asked = !d->o->collection ||
				    strcmp(coll, d->o->collection) == 0;
			d->matched += asked;
			if (!asked) {
				/* not the one asked for */
			} else if ((d->o->tag || d->o->ddl) &&
				   claim_table(d, coll, source) < 0) {
				/* another database's collection has it */
			} else if (d->o->list) {
				list_line(d, db, coll,
					  dump_file(d, path, NULL, coll),
					  indexes(d, path));
			} else {
				dump_file(d, path, d->o->tag ? coll : NULL,
					  coll);
			}
			free(source);
			free(coll);
		}
		free(path);
	next:;
	}
	for (i = 0; i < n; i++)
		free(ent[i]); /* after: the loop looks back one */
	free(ent);
}

/*
 * A dump directory: its subdirectories are databases; or, when it holds
 * .bson files itself, it is one database's.
 */
static void
dump_dir(struct dumper *d, const char *dir)
{
	struct dirent **ent;
	char *path, *db;
	int n, i, bson = 0, oplog = 0, subdirs = 0;

	if ((n = scandir(dir, &ent, NULL, alphasort)) < 0) {
		warn("%s", dir);
		d->status = 3;
		return;
	}
	/* one database's when it holds a collection: a .bson other than
	 * oplog.bson, or oplog.bson with its metadata (a collection named
	 * oplog) or with no database beside it */
	for (i = 0; i < n; i++) {
		const char *name = ent[i]->d_name;
		if (strncmp(name, "oplog.", 6) == 0) {
			oplog |= ends_with(name, ".bson") ||
				 ends_with(name, ".bson.gz");
			bson |= strncmp(name, "oplog.metadata.json", 19) == 0;
		} else if (ends_with(name, ".bson") ||
			   ends_with(name, ".bson.gz")) {
			bson = 1;
		} else if (name[0] != '.') {
			if (asprintf(&path, "%s/%s", dir, name) < 0)
				err(3, "out of memory");
			subdirs |= is_dir(path);
			free(path);
		}
	}
	bson |= oplog && !subdirs;
	if (bson) {
		/* the last name of the path (dump/db1/ is db1), as it is:
		 * mongodump writes a database's name unescaped */
		size_t len = strlen(dir), at;
		while (len > 1 && dir[len - 1] == '/')
			len--;
		for (at = len; at > 0 && dir[at - 1] != '/'; at--)
			;
		if (!(db = strndup(dir + at, len - at)))
			err(3, "out of memory");
		if (!d->o->db || strcmp(db, d->o->db) == 0)
			dump_db_dir(d, dir, db);
		free(db);
		goto done;
	}
	for (i = 0; i < n; i++) {
		const char *name = ent[i]->d_name;
		if (name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			err(3, "out of memory");
		if (is_dir(path)) {
			if (!(db = strdup(name)))
				err(3, "out of memory");
			if (!d->o->db || strcmp(db, d->o->db) == 0)
				dump_db_dir(d, path, db);
			free(db);
		} else if (strcmp(name, "oplog.bson") == 0 ||
			   strcmp(name, "oplog.bson.gz") == 0) {
			/* its entries counted, none written */
			uint64_t entries;
			d->count_only = 1;
			entries = dump_file(d, path, NULL, NULL);
			d->count_only = 0;
			if (entries)
				oplog_entries(d, path, entries);
			else
				warnx("%s: the oplog (mongodump --oplog), not "
				      "a collection: skipped",
				      path);
		} else {
			/* mongodump 100.x's prelude.json: the dump's own */
			if (strcmp(name, "prelude.json") != 0)
				warnx("%s: not part of a dump: skipped", path);
		}
		free(path);
	}
done:
	for (i = 0; i < n; i++)
		free(ent[i]);
	free(ent);
}

int
main(int argc, char **argv)
{
	enum {
		COLLECTION = 256,
		DB,
		DDL,
		FIELDS,
		LIST,
		MODE,
		PARTITION,
		SINCE,
		TAG,
		NOTAG
	};
	static struct since since;
	static const struct option longopts[] = {
		{"collection", required_argument, NULL, COLLECTION},
		{"db", required_argument, NULL, DB},
		{"ddl", required_argument, NULL, DDL},
		{"fields", required_argument, NULL, FIELDS},
		{"list", no_argument, NULL, LIST},
		{"mode", required_argument, NULL, MODE},
		{"partition", required_argument, NULL, PARTITION},
		{"since", required_argument, NULL, SINCE},
		{"tag", no_argument, NULL, TAG},
		{"no-tag", no_argument, NULL, NOTAG},
		{"help", no_argument, NULL, 'h'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct options o = {.mode = MODE_RELAXED, .tag = -1};
	struct dumper d = {.o = &o};
	static char *stdin_only[] = {"-"};
	char **paths;
	int c, i, npaths, named, dirs = 0;

	cli_init();
	while ((c = getopt_long(argc, argv, "hvV", longopts, NULL)) != -1) {
		switch (c) {
		case COLLECTION:
			o.collection = optarg;
			break;
		case DB:
			o.db = optarg;
			break;
		case DDL: {
			static const char *const w[] = {"pre", "post", NULL};
			o.ddl = cli_choice(synopsis, "--ddl", optarg, w) +
				DDL_PRE;
			break;
		}
		case FIELDS: {
			char why[300];
			bson_fields_free(o.fields);
			if (!(o.fields = bson_fields_parse(optarg, why,
							   sizeof(why)))) {
				warnx("--fields: %s", why);
				usage();
			}
			break;
		}
		case LIST:
			o.list = 1;
			break;
		case MODE: {
			/* in the order of enum mode */
			static const char *const w[] = {"relaxed", "canonical",
							"pg", NULL};
			o.mode = (enum mode)cli_choice(synopsis, "--mode",
						       optarg, w);
			break;
		}
		case PARTITION:
			cli_partition(synopsis, optarg, &o.part);
			break;
		case SINCE:
			if (since_parse(optarg, &since) < 0) {
				warnx("--since: FIELD=VALUE, not %s", optarg);
				usage();
			}
			o.since = &since;
			break;
		case TAG:
			o.tag = 1;
			break;
		case NOTAG:
			o.tag = 0;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			help();
			break;
		case 'V':
			puts("mongo-dump-ndjson 0.1");
			cli_stdout_end();
		default:
			usage();
		}
	}
	paths = argv + optind;
	npaths = argc - optind;
	if (npaths == 0) {
		paths = stdin_only;
		npaths = 1;
	}
	for (i = 0; i < npaths; i++)
		dirs += strcmp(paths[i], "-") != 0 && is_dir(paths[i]);
	if (o.ddl && o.list) {
		warnx("--ddl and --list: one or the other");
		usage();
	}
	if (o.part.n && (o.ddl || o.list)) {
		warnx("--partition: not with --ddl or --list");
		usage();
	}
	o.tag_archive = o.tag != 0;
	if (o.tag < 0)
		o.tag = dirs > 0 || npaths > 1;
	d.out = (struct buf)BUF_INIT;
	d.tag = (struct buf)BUF_INIT;
	d.scratch = (struct buf)BUF_INIT;
	for (i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") != 0 && is_dir(paths[i])) {
			dump_dir(&d, paths[i]);
		} else {
			/* a file's collection: its name without .bson */
			const char *base = strrchr(paths[i], '/');
			char *coll;
			uint64_t docs;
			base = base ? base + 1 : paths[i];
			if (!(coll = coll_name(&d, "-", paths[i])))
				continue;
			/* a name that is no COLLECTION.bson names no table */
			named = stem_len(base) < strlen(base);
			d.archive = 0;
			if ((o.tag || o.ddl) && named &&
			    claim_table(&d, coll, paths[i]) < 0) {
				/* another file's collection has it */
			} else if (!o.list) {
				dump_file(&d, paths[i], o.tag ? coll : NULL,
					  named ? coll : NULL);
			} else {
				docs = dump_file(&d, paths[i], NULL, coll);
				if (!d.archive) /* an archive lists itself */
					list_line(&d, "-", coll, docs,
						  strcmp(paths[i], "-") == 0
							  ? -1
							  : indexes(&d,
								    paths[i]));
			}
			/* a collection's file given alone is asked for; an
			 * archive's collections count themselves */
			d.matched += !d.archive;
			free(coll);
		}
	}
	if ((o.db || o.collection) && !d.matched) {
		warnx("%s%s%s%s%s: no such collection in the input",
		      o.db ? "--db=" : "", o.db ? o.db : "",
		      o.db && o.collection ? " " : "",
		      o.collection ? "--collection=" : "",
		      o.collection ? o.collection : "");
		d.status = d.status > 1 ? d.status : 1;
	}
	if (o.since && !o.since->present && o.since->absent) {
		warnx("--since: no document has the field %s: none written",
		      o.since->field);
		d.status = d.status > 1 ? d.status : 1;
	}
	flush(&d, 1);
	if (o.since && o.since->other)
		warnx("--since: %llu documents not written: their %s cannot be "
		      "compared with %s",
		      (unsigned long long)o.since->other, o.since->field,
		      o.since->value);
	if (o.since && o.verbose)
		fprintf(stderr,
			"mongo-dump-ndjson: --since: %llu documents without "
			"%s\n",
			(unsigned long long)o.since->absent, o.since->field);
	buf_release(&d.out);
	buf_release(&d.tag);
	buf_release(&d.scratch);
	for (i = 0; i < (int)d.ntables; i++) {
		free(d.tables[i].table);
		free(d.tables[i].source);
	}
	free(d.tables);
	free(d.buf);
	bson_fields_free(o.fields);
	return d.status;
}
