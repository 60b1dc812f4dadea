/*
 * mdump: mongo-dump-ndjson's parts: BSON documents to JSON text in the
 * three modes (emit.c) and the reading of files, directories and streams
 * (mongo-dump-ndjson.c).
 */
#ifndef MDUMP_H
#define MDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum mode { MODE_RELAXED, MODE_CANONICAL, MODE_PG };

/*
 * --fields a,b.c as a tree: a node with no kids (nkid 0) takes the whole
 * value; one with kids takes those fields of a document (or of each
 * document in an array).
 */
struct bson_fields {
	char *name;
	size_t len;
	struct bson_fields *kid;
	int nkid, cap, leaf;
};

/* NULL with why when spec has an empty name (a,,b  a..b  .a). */
struct bson_fields *bson_fields_parse(const char *spec, char *why,
				      size_t whylen);
void bson_fields_free(struct bson_fields *f);

/* A problem in a document: where (from its start) and what. */
struct bson_problem {
	size_t offset; /* bytes from the document's start */
	char what[160];
};

/*
 * One BSON document, data[0..len) (len as its header says), appended to
 * out as a JSON object in mode, its first member prefix when not NULL
 * (e.g. "$table":"c", without a comma); only the fields named when
 * fields is not NULL.
 *
 * Returns 0; 1 when the document was written but holds text that is not
 * valid UTF-8 (written losslessly, first problem in *pb); -1 when it is
 * corrupt (nothing appended, the problem in *pb).
 */
int bson_to_json(struct buf *out, const uint8_t *data, size_t len,
		 enum mode mode, const char *prefix, size_t prefixlen,
		 const struct bson_fields *fields, struct bson_problem *pb);

/*
 * --since=FIELD=VALUE: VALUE read every way it can be (a time, a decimal
 * number, an ObjectId's hex, bytes), the document's field compared by its
 * own BSON type with the reading of that type, exactly (since.c).
 */
struct since {
	const char *field;
	const char *value;
	size_t vlen;
	int has_ms, has_num, has_oid;
	int64_t ms;	/* floor(VALUE) in ms since 1970, as a time */
	int64_t ifloor; /* floor(VALUE), saturated to int64 */
	int ibelow;	/* VALUE < INT64_MIN: every integer is past it */
	double num;	/* the double nearest VALUE */
	int num_cmp;	/* VALUE's side of num: <0, 0, >0 */
	uint8_t oid[12];
	uint64_t absent, present,
		other; /* documents without it, with it; of a kind VALUE is
			  not */
};

/* Parse FIELD=VALUE (arg is changed) into s, zeroed; -1 when it has no '='
 * or no field. */
int since_parse(char *arg, struct since *s);
/*
 * 1 when the document's field is past VALUE, 0 when not or when it has no
 * such field, -1 when the field is of a kind VALUE is not (a date field
 * and a VALUE that is no date), counted in s.  A corrupt document is 1:
 * the writer reports it.
 */
int since_keep(struct since *s, const uint8_t *p, size_t len);

/*
 * A file's or stream's bytes, plain or gzipped (input.c): gzip when the
 * name ends in .gz, or when the bytes begin with gzip's magic and the
 * first document is not a whole BSON document.  input_read() gives up to
 * n bytes: their count, 0 at the end, -1 with *why when the gzip data is
 * corrupt; a read error exits 3.  input_close() closes fd (not 0).
 */
struct input;
struct input *input_open(int fd, const char *name);
long input_read(struct input *in, void *p, size_t n, const char **why);
void input_close(struct input *in);

/* --ddl: a collection's table (pre) or indexes (post). */
struct coll_ddl;
struct coll_ddl *ddl_begin(const char *coll, const struct bson_fields *f);
/* Before the scan: the collection's metadata (may be NULL), for its
 * default collation and the keys of its unique indexes (are there arrays
 * on their paths?). */
void ddl_watch(struct coll_ddl *c, const char *meta, size_t mlen);
/* Scan one document's top-level fields for their kinds. */
void ddl_doc(struct coll_ddl *c, const uint8_t *p, size_t len);
/* pre: CREATE TABLE; post: CREATE INDEX from metadata JSON (may be NULL);
 * where names the collection in warnings.  1 when a value the scan saw
 * cannot load as it is (reported), else 0. */
int ddl_write(struct coll_ddl *c, int post, const char *meta, size_t mlen,
	       struct buf *out, const char *where);
void ddl_free(struct coll_ddl *c);

#endif
