/*
 * mapexpr: ndjson-map's mapping language: directives parsed once into a
 * program, then run on each record without allocating.
 *
 *	struct map_program *prog = map_compile(text, "-e", &e);
 *	...per record:
 *	r = map_run(prog, line, len, &out, why, sizeof(why));
 *	   1: out holds the mapped record; 0: filtered out; -1: rejected (why)
 *	map_free(prog);
 *
 * The grammar is in ndjson-map(1): NAME = EXPR [else null|reject|LITERAL],
 * where PRED, keep, drop NAME; paths .a."b c"[0], literals, EXPR ?? EXPR,
 * casts and functions, comparisons, exists(), and, or, not.
 */
#ifndef MAPEXPR_H
#define MAPEXPR_H

#include <stddef.h>

#include "buf.h"
#include "errinfo.h"
#include "json.h"

struct map_program;

/* A top-level member of a record: its key's raw text and its value. */
struct map_member {
	const char *k;
	size_t klen;
	int kesc;
	struct json_value v;
};

/*
 * Parse directives (one per line, '#' comments, ';' also separates) from
 * text; where names the source for messages ("-e" or a file name).
 * Returns NULL with e filled (ERR_USAGE, "where:line: what") on an error.
 */
struct map_program *map_compile(const char *text, const char *where,
				struct err *e);

/* Append more directives to a program (a second -e or -f). */
int map_extend(struct map_program *p, const char *text, const char *where,
	       struct err *e);

/* True when the program has no directive (check and compact only). */
int map_is_empty(const struct map_program *p);

/* True when it routes to tables (its records carry $table). */
int map_has_tables(const struct map_program *p);

/*
 * Map one record (a validated JSON object, without its newline) whose
 * top-level members the caller has scanned (in order): append the output
 * records to out, each with its newline, and return how many (with
 * tables, one for each table that takes the record); return 0 when none
 * is written and that is fine (filtered, or unmatched drop); return -1
 * with a reason in why when the record is rejected (a failed cast, no
 * table matched).
 */
int map_run(struct map_program *p, const char *rec, size_t len,
	    const struct map_member *mem, size_t nmem, struct buf *out,
	    char *why, size_t whylen);

void map_free(struct map_program *p);

#endif
