/* verify.h: what pg-verify.c and compare.c share. */
#ifndef VERIFY_H
#define VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "load.h"

struct verify_options {
	const char *columns; /* --columns: compare only these */
	const char *ignore;  /* --ignore: never these */
	const char *where;   /* --where: the table's rows to compare */
	const char *report_name;
	FILE *report;	/* the NDJSON report: stdout or --report */
	uint64_t limit; /* differences listed at most */
	int mode;	/* 0 digest, 1 full, 2 count */
	int quiet;
};

/*
 * Compare every table the records were read into (its staging table, or
 * its count) with the table itself; write the differences and a summary
 * line to vo->report and a summary per table to stderr.  Returns 0 when
 * all are the same, 1 when something differs, 2 when a key does not name
 * one row of the table; a server error ends the run (loader_fail, 3).
 */
int verify_tables(struct loader *l, struct verify_options *vo);

#endif
