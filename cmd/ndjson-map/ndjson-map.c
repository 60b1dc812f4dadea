/* ndjson-map: check NDJSON records and write them out compactly, unchanged. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "errinfo.h"
#include "json.h"
#include "keyset.h"
#include "mapexpr.h"
#include "ndjson.h"

struct options {
	const char *rejects;
	const char *split; /* --split DIR */
	size_t max_record;
	int stats;
};

struct mapper {
	const struct options *o;
	struct map_program *prog;
	struct map_member
		*mem; /* the record's members, as check() found them */
	struct buf out, rej, tmp;
	struct keyset top; /* the record's keys, when it nests no object */
	struct keyset_deep keys; /* when it does: every object's */
	size_t nkey, capkey;
	FILE *rejects;
	uint64_t read, mapped, written, rejected, filtered;
	/* records written per table; with --split, each table's file */
	struct outtab {
		char *name;
		FILE *f;
		uint64_t n;
	} * tab;
	int ntab;
	struct buf tname;
};

static const char synopsis[] =
	"usage: ndjson-map [-hV] [-e DIRECTIVE] [-f MAPFILE] "
	"[--max-record=BYTES]\n"
	"       [--rejects=FILE] [--split=DIR] [--stats] [FILE ...]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(
		synopsis,
		"\nCheck NDJSON records (ndjson-migrate(7)), map them by the "
		"directives given,\nand write them compactly; report the "
		"records "
		"rejected and go on.\n\n"
		"  -e DIRECTIVE            a mapping directive (more: -e "
		"again, "
		"or "
		"';')\n"
		"  -f MAPFILE              directives, one a line, # comments\n"
		"      --max-record=BYTES  largest record (default 268435456)\n"
		"      --rejects=FILE      malformed records with their "
		"errors, "
		"as NDJSON (0600)\n"
		"      --split=DIR         each table's records to "
		"DIR/TABLE.ndjson\n"
		"      --stats             records read, written and rejected, "
		"on stderr\n"
		"  -h, --help              this help\n"
		"  -V, --version           the version\n");
}

static void __attribute__((noreturn)) oom(size_t want)
{
	errx(3, "out of memory (wanted %zu bytes)", want);
}

static void
flush(struct mapper *m, int final)
{
	cli_flush(&m->out, final, m->rejected ? 1 : 0);
}

/* Check one record; NULL when it is one, else why not (static text). */
static const char *
check(struct mapper *m, const char *p, size_t n, struct json_error *je,
      const char **dup, size_t *duplen)
{
	struct json_iter it;
	struct json_value k, v;
	int r;

	*dup = NULL;
	*duplen = 0;
	if (json_object_open(&it, p, n, je) < 0)
		return je->msg;
	m->nkey = 0;
	keyset_reset(&m->top);
	while ((r = json_object_next(&it, &k, &v, je)) > 0) {
		if (m->nkey == m->capkey) {
			m->capkey = m->capkey ? 2 * m->capkey : 64;
			m->mem = realloc(m->mem, m->capkey * sizeof(*m->mem));
			if (!m->mem)
				oom(m->capkey * sizeof(*m->mem));
		}
		m->mem[m->nkey].k = k.p;
		m->mem[m->nkey].klen = k.len;
		m->mem[m->nkey].kesc = k.escaped;
		m->mem[m->nkey].v = v;
		if (keyset_add(&m->top, k.p, k.len, k.escaped) < 0)
			oom(k.len);
		m->nkey++;
	}
	if (r < 0)
		return je->msg;
	/*
	 * A key twice in any object: which one was meant is unknown.  With
	 * no '{' after the first (most records), only the keys just read.
	 */
	if (!memchr(p + 1, '{', n - 1))
		*dup = keyset_duplicate(&m->top, duplen);
	else if (!(*dup = keyset_deep_duplicate(&m->keys, p, n, duplen)) &&
		 *duplen == SIZE_MAX)
		oom(0);
	return *dup ? "duplicate key" : NULL;
}

/* Bytes that end a run of token text: white space and the quote. */
static void
reject(struct mapper *m, const char *file, uint64_t line, const char *raw,
       size_t n, const char *msg)
{
	struct buf *b = &m->rej;

	m->rejected++;
	if (!m->rejects) {
		warnx("%s:%llu: %s", file, (unsigned long long)line, msg);
		return;
	}
	buf_reset(b);
	buf_adds(b, "{\"file\":");
	json_write_text(b, file, strlen(file));
	buf_addf(b, ",\"line\":%llu,\"error\":", (unsigned long long)line);
	json_write_string(b, msg, strlen(msg));
	buf_adds(b, ",\"raw\":");
	json_write_text(b, raw, n);
	buf_adds(b, "}\n");
	if (fwrite(b->data, 1, b->len, m->rejects) != b->len)
		err(3, "%s", m->o->rejects);
}

/*
 * The table a written record is for: its "$table" (a string), wherever it
 * is among the record's members and however its key is spelled, or NULL;
 * *bad set when its "$table" is not a string (no table's, nor no table's).
 */
static const char *
table_of(struct mapper *m, const char *p, size_t n, int *bad)
{
	struct json_value v;
	struct json_error je;
	int r;

	*bad = 0;
	if (!memmem(p, n, "\"$", 2) && !memmem(p, n, "\"\\u0024", 7))
		return NULL; /* most records: no key that could be it */
	if ((r = json_route(p, n, &v, &je)) != 1) {
		*bad = r == -2;
		return NULL;
	}
	buf_reset(&m->tname);
	json_unescape(&m->tname, v.p, v.len);
	return m->tname.data;
}

static struct outtab *
outtab(struct mapper *m, const char *name)
{
	struct buf path = BUF_INIT;
	struct outtab *t;
	int i;

	for (i = 0; i < m->ntab; i++)
		if (strcmp(m->tab[i].name, name) == 0)
			return &m->tab[i];
	m->tab = realloc(m->tab, (size_t)(m->ntab + 1) * sizeof(*m->tab));
	if (!m->tab)
		oom(0);
	t = &m->tab[m->ntab++];
	memset(t, 0, sizeof(*t));
	if (!(t->name = strdup(name)))
		oom(0);
	if (m->o->split) {
		if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0 || strlen(name) != m->tname.len)
			errx(2,
			     "--split: the table name \"%s\" cannot be a "
			     "file name",
			     name);
		buf_addf(&path, "%s/%s.ndjson", m->o->split, name);
		if (!(t->f = fopen(path.data, "w")))
			err(3, "%s", path.data);
		buf_release(&path);
	}
	return t;
}

/* A line that stays on standard output, moved only when lines left. */
static char *
stay(char *keep, const char *p, size_t n)
{
	if (keep != p)
		memmove(keep, p, n);
	return keep + n;
}

/*
 * The records just written, from out[from]: counted by table and, with
 * --split, moved to their table's file (those with no table stay).
 * Returns -1, having moved none, when --split is given and one has a
 * "$table" that is not a string: it cannot be filed.
 */
static int
by_table(struct mapper *m, size_t from)
{
	char *p = m->out.data + from, *end = m->out.data + m->out.len, *nl;
	char *keep = p;
	const char *name;
	struct outtab *t;
	size_t n;
	int bad;

	for (; m->o->split && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		table_of(m, p, (size_t)(nl - p), &bad);
		if (bad)
			return -1;
	}
	for (p = m->out.data + from; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)(nl - p);
		name = table_of(m, p, n, &bad);
		if (!name) {
			keep = stay(keep, p, n + 1);
			continue;
		}
		t = outtab(m, name);
		t->n++;
		if (!t->f)
			keep = stay(keep, p, n + 1);
		else if (fwrite(p, 1, n + 1, t->f) != n + 1) {
			err(3, "%s/%s.ndjson", m->o->split, t->name);
		}
	}
	buf_setlen(&m->out, (size_t)(keep - m->out.data));
	return 0;
}

static int
run(struct mapper *m, char **files, int nfiles)
{
	static char *stdin_only[] = {"-"};
	struct ndjson_reader rd;
	struct json_error je;
	struct err e = {0};
	const char *line, *why;
	char msg[512];
	size_t len, mark;
	const char *dup;
	size_t duplen;
	int f, r;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (f = 0; f < nfiles; f++) {
		if (ndjson_reader_open(&rd, files[f], m->o->max_record, &e) <
		    0) {
			warnx("%s", e.msg);
			return e.code;
		}
		while ((r = ndjson_reader_next(&rd, &line, &len, &e)) > 0) {
			if (ndjson_is_blank(line, len))
				continue;
			m->read++;
			if ((why = check(m, line, len, &je, &dup, &duplen))) {
				if (dup) {
					/* as JSON text: a key may hold "\n" */
					buf_reset(&m->tmp);
					json_write_string_body(&m->tmp, dup,
							       duplen);
					snprintf(msg, sizeof(msg),
						 "duplicate key \"%s\"",
						 m->tmp.data);
				} else if (strncmp(why, "not a JSON object",
						   17) == 0)
					snprintf(msg, sizeof(msg), "%s", why);
				else
					snprintf(msg, sizeof(msg),
						 "invalid JSON: %s at byte %zu",
						 why, je.offset + 1);
				reject(m, rd.name, rd.lineno, line, len, msg);
				continue;
			}
			mark = m->out.len;
			if (map_is_empty(m->prog)) {
				json_compact(&m->out, line, len);
				buf_addch(&m->out, '\n');
				r = 1;
			} else if ((r = map_run(m->prog, line, len, m->mem,
						m->nkey, &m->out, msg,
						sizeof(msg))) == 0) {
				m->filtered++;
				continue;
			} else if (r < 0) {
				reject(m, rd.name, rd.lineno, line, len, msg);
				continue;
			}
			/* a table's records, by a table directive or by a
			 * "$table" the record has or a column makes */
			if ((map_has_tables(m->prog) || m->o->split ||
			     m->o->stats) &&
			    by_table(m, mark) < 0) {
				buf_setlen(&m->out, mark);
				reject(m, rd.name, rd.lineno, line, len,
				       "--split: \"$table\" is not a string");
				continue;
			}
			m->mapped++;
			m->written += (uint64_t)r;
			flush(m, 0);
		}
		if (r < 0) {
			warnx("%s", e.msg);
			ndjson_reader_close(&rd);
			return e.code;
		}
		ndjson_reader_close(&rd);
	}
	return m->rejected ? 1 : 0;
}

int
main(int argc, char **argv)
{
	enum { MAX_RECORD = 256, REJECTS, SPLIT, STATS };
	struct buf text = BUF_INIT;
	struct err me = {0};
	FILE *mf;
	char chunk[8192];
	size_t got;
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"max-record", required_argument, NULL, MAX_RECORD},
		{"rejects", required_argument, NULL, REJECTS},
		{"split", required_argument, NULL, SPLIT},
		{"stats", no_argument, NULL, STATS},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct options o = {.max_record = NDJSON_DEFAULT_MAX_LINE};
	struct mapper m = {.o = &o};
	struct err e = {0};
	char *end;
	int c, fd, rc;

	cli_init();
	buf_set_oom(oom);
	if (ndjson_max_record(&o.max_record, &e) < 0)
		errx(e.code, "%s", e.msg);
	if (!(m.prog = map_compile("", "-e", &me)))
		errx(3, "%s", me.msg);
	while ((c = getopt_long(argc, argv, "e:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (map_extend(m.prog, optarg, "-e", &me) < 0)
				errx(2, "%s", me.msg);
			break;
		case 'f':
			if (!(mf = fopen(optarg, "r")))
				err(2, "%s", optarg);
			buf_reset(&text);
			while ((got = fread(chunk, 1, sizeof(chunk), mf)) > 0)
				buf_add(&text, chunk, got);
			fclose(mf);
			if (map_extend(m.prog, text.data, optarg, &me) < 0)
				errx(2, "%s", me.msg);
			break;
		case 'h':
			help();
			break;
		case MAX_RECORD:
			errno = 0;
			o.max_record = strtoull(optarg, &end, 10);
			if (errno || *end || o.max_record == 0 ||
			    *optarg == '-')
				usage();
			break;
		case REJECTS:
			o.rejects = optarg;
			break;
		case SPLIT:
			o.split = optarg;
			break;
		case STATS:
			o.stats = 1;
			break;
		case 'V':
			puts("ndjson-map 0.1");
			cli_stdout_end();
		default:
			usage();
		}
	}
	m.out = (struct buf)BUF_INIT;
	m.top = (struct keyset)KEYSET_INIT;
	m.keys = (struct keyset_deep)KEYSET_DEEP_INIT;
	m.rej = (struct buf)BUF_INIT;
	m.tmp = (struct buf)BUF_INIT;
	m.tname = (struct buf)BUF_INIT;
	if (o.rejects) {
		fd = open(o.rejects, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
		if (fd < 0 || !(m.rejects = fdopen(fd, "w")))
			err(3, "%s", o.rejects);
	}
	rc = run(&m, argv + optind, argc - optind);
	flush(&m, 1);
	if (close(1) < 0)
		err(3, "write error");
	if (m.rejects && fclose(m.rejects) != 0)
		err(3, "%s", o.rejects);
	for (c = 0; c < m.ntab; c++) {
		if (m.tab[c].f && fclose(m.tab[c].f) != 0)
			err(3, "%s/%s.ndjson", o.split, m.tab[c].name);
		if (o.stats)
			fprintf(stderr, "ndjson-map: %s: %llu written\n",
				m.tab[c].name, (unsigned long long)m.tab[c].n);
		free(m.tab[c].name);
	}
	free(m.tab);
	buf_release(&m.tname);
	if (o.stats)
		fprintf(stderr,
			"ndjson-map: %llu read: %llu mapped, %llu filtered, "
			"%llu rejected; %llu written\n",
			(unsigned long long)m.read,
			(unsigned long long)m.mapped,
			(unsigned long long)m.filtered,
			(unsigned long long)m.rejected,
			(unsigned long long)m.written);
	map_free(m.prog);
	buf_release(&text);
	free(m.mem);
	buf_release(&m.out);
	keyset_free(&m.top);
	keyset_deep_free(&m.keys);
	buf_release(&m.rej);
	buf_release(&m.tmp);
	return rc;
}
