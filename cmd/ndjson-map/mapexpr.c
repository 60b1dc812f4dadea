/* mapexpr.c: ndjson-map's mapping language: a parser and a per-record
 * evaluator. */
#include "mapexpr.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "isotime.h"
#include "json.h"
#include "keyset.h"
#include "md5.h"

/* ---- values ---------------------------------------------------------- */

enum vt { V_ABSENT, V_NULL, V_FALSE, V_TRUE, V_NUM, V_STR, V_JSON };

/*
 * A value: for V_NUM its number text, for V_STR its bytes (JSON-escaped
 * when esc is set, as in the input), for V_JSON an object's or array's
 * text.  Pointers are into the record or the program's scratch space,
 * which does not move while a record is mapped.
 */
struct val {
	enum vt t;
	const char *p;
	size_t len;
	int esc;
};

/* ---- the program ------------------------------------------------------ */

enum kind {
	N_MATCH,
	N_CAPTURE,
	N_PATH,
	N_LIT,
	N_CALL,
	N_DEFAULT,
	N_CMP,
	N_AND,
	N_OR,
	N_NOT,
	N_EXISTS,
	N_REST,
	N_ELEMKEY,   /* @key */
	N_ELEMINDEX, /* @index */
	N_SUB,	     /* EXPR[0], EXPR.name: a path into a value */
	N_ARITH	     /* EXPR + - * EXPR */
};
enum fn {
	F_INT,
	F_BIGINT,
	F_NUMERIC,
	F_FLOAT,
	F_BOOL,
	F_TEXT,
	F_JSON,
	F_TIMESTAMP,
	F_EPOCH_S,
	F_EPOCH_MS,
	F_EPOCH_US,
	F_LOWER,
	F_UPPER,
	F_TRIM,
	F_CONCAT,
	F_NULLIF,
	F_SPLIT,
	F_MD5,
	F_FROM_BASE64,
	F_PARSE_JSON,
	F_OBJECT,
};
enum cmp { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

static const struct {
	const char *name;
	enum fn fn;
} fns[] = {
	{"int", F_INT},
	{"bigint", F_BIGINT},
	{"numeric", F_NUMERIC},
	{"float", F_FLOAT},
	{"bool", F_BOOL},
	{"text", F_TEXT},
	{"json", F_JSON},
	{"timestamp", F_TIMESTAMP},
	{"epoch_s", F_EPOCH_S},
	{"epoch_ms", F_EPOCH_MS},
	{"epoch_us", F_EPOCH_US},
	{"lower", F_LOWER},
	{"upper", F_UPPER},
	{"trim", F_TRIM},
	{"concat", F_CONCAT},
	{"nullif", F_NULLIF},
	{"split", F_SPLIT},
	{"md5", F_MD5},
	{"from_base64", F_FROM_BASE64},
	{"parse_json", F_PARSE_JSON},
	{"object", F_OBJECT},
};

struct seg {
	long index; /* -1: a key */
	char *key;
	size_t keylen;
};

struct node {
	enum kind kind;
	struct seg *seg; /* N_PATH, N_EXISTS: nseg 0 is the whole record */
	int nseg;
	int elem;	/* N_PATH, N_EXISTS: from the exploded element, @ */
	struct val lit; /* N_LIT */
	char *litbuf;
	enum fn fn;   /* N_CALL */
	enum cmp cmp; /* N_CMP */
	struct node *a, *b;
	/* N_MATCH: the regex, its literal prefix, slots of its named groups */
	pcre2_code *re;
	pcre2_match_data *md;
	char *prefix;
	size_t prefixlen;
	char *pat; /* the regex as written, for messages */
	size_t patlen;
	int *slot; /* by group number: the $name slot, or -1 */
	int ngroups;
	int anchored;
	int cap;	    /* N_CAPTURE: the slot */
	struct node **args; /* F_CONCAT, F_OBJECT */
	int nargs;
	char op;   /* N_ARITH: '+', '-', '*' */
	int depth; /* of the tree under it, itself 1 */
};

/*
 * How deep an expression may nest (the tree, and the parser's recursion):
 * evaluating and freeing a tree recurse, so a mapping file cannot be let
 * run them off the stack.
 */
#define MAX_DEPTH 500

enum on_error { ON_REJECT, ON_NULL, ON_VALUE };

struct assign {
	char *name;
	size_t namelen;
	struct buf key; /* "name": ready to write */
	struct node *expr;
	enum on_error on_error;
	struct node *fallback;
	int flatten; /* flatten EXPR: the object's members are columns */
};

/*
 * The directives of one output table (block 0: those before any table,
 * or all of them when there is no table).
 */
struct block {
	char *table;	/* NULL for block 0 */
	struct buf tag; /* "$table":"name", ready to write */
	struct node *when;
	struct assign *as;
	int nas;
	struct node **where;
	int nwhere;
	char **drop;
	size_t *droplen;
	int ndrop;
	int keep;
	int nflatten;
	struct node *explode; /* explode PATH: a record for each element */
	/* rest: the first keys of the paths its columns read */
	const struct seg **used;
	int nused, used_ready;
};

enum unmatched { UNMATCHED_REJECT, UNMATCHED_DROP, UNMATCHED_PASS };

struct map_program {
	struct block *blk;
	int nblk;
	enum unmatched unmatched;
	/* named captures of ~ matches, $name; their values per record */
	char **capname;
	int ncap;
	struct val *capval;
	struct val *capsave;	 /* theirs before an explode's elements */
	const struct block *cur; /* the block being run, for rest */
	/* the element of explode being mapped: @, @key, @index */
	struct json_value elem, elemkey;
	int has_elemkey;
	long elemindex;
	struct keyset ks;	 /* the output record's keys, after a flatten */
	struct keyset_deep deep; /* parse_json's text's keys */
	/* per record */
	const struct map_member *mem;
	size_t nmem;
	struct buf scratch, tmp, tmp2;
	int overflow;
	const char *why_col;
	char why[256];
};

/* ---- lexer ------------------------------------------------------------ */

enum tok {
	T_END,
	T_IDENT,
	T_STRING,
	T_NUMBER,
	T_DOT,
	T_LBRACK,
	T_RBRACK,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_ASSIGN,
	T_QQ,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_MATCH,   /* ~ */
	T_CAPTURE, /* $name */
	T_AT,	   /* @, @key, @index */
	T_PLUS,
	T_MINUS, /* a '-' that does not start a number */
	T_STAR,
};

struct lexer {
	const char *p, *end, *start, *where;
	int line;
	enum tok t;
	const char *tp; /* the token's text */
	size_t tlen;
	struct json_value js; /* T_STRING, T_NUMBER */
	struct err *e;
	int failed;
	struct map_program *pg; /* for the $name slots */
	int elem_ok;		/* @ may be used: the table explodes */
	int nest;		/* parse_prim and parse_not frames open */
};

static void __attribute__((format(printf, 2, 3)))
lfail(struct lexer *x, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	if (x->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	err_set(x->e, ERR_USAGE, "%s:%d: %s", x->where, x->line, m);
	x->failed = 1;
	x->t = T_END;
}

static void
next(struct lexer *x)
{
	const char *p = x->p;
	struct json_error je;
	const char *q;

	if (x->failed)
		return;
	while (p < x->end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	x->tp = p;
	if (p >= x->end) {
		x->t = T_END;
		x->p = p;
		return;
	}
	switch (*p) {
	case '.':
		x->t = T_DOT;
		p++;
		break;
	case '[':
		x->t = T_LBRACK;
		p++;
		break;
	case ']':
		x->t = T_RBRACK;
		p++;
		break;
	case '(':
		x->t = T_LPAREN;
		p++;
		break;
	case ')':
		x->t = T_RPAREN;
		p++;
		break;
	case ',':
		x->t = T_COMMA;
		p++;
		break;
	case '~':
		x->t = T_MATCH;
		p++;
		break;
	case '+':
		x->t = T_PLUS;
		p++;
		break;
	case '*':
		x->t = T_STAR;
		p++;
		break;
	case '@':
		for (q = p + 1;
		     q < x->end && (isalnum((unsigned char)*q) || *q == '_');
		     q++)
			;
		x->t = T_AT;
		p = q;
		break;
	case '$':
		for (q = p + 1;
		     q < x->end && (isalnum((unsigned char)*q) || *q == '_');
		     q++)
			;
		if (q == p + 1) {
			lfail(x, "expected a capture name after '$'");
			return;
		}
		x->t = T_CAPTURE;
		p = q;
		break;
	case '?':
		if (p + 1 < x->end && p[1] == '?') {
			x->t = T_QQ;
			p += 2;
			break;
		}
		lfail(x, "unexpected '?' (the default operator is '?"
			 "?')");
		return;
	case '=':
		x->t = p + 1 < x->end && p[1] == '=' ? T_EQ : T_ASSIGN;
		p += x->t == T_EQ ? 2 : 1;
		break;
	case '!':
		if (p + 1 < x->end && p[1] == '=') {
			x->t = T_NE;
			p += 2;
			break;
		}
		lfail(x, "unexpected '!' (use not, or !=)");
		return;
	case '<':
		x->t = p + 1 < x->end && p[1] == '=' ? T_LE : T_LT;
		p += x->t == T_LE ? 2 : 1;
		break;
	case '>':
		x->t = p + 1 < x->end && p[1] == '=' ? T_GE : T_GT;
		p += x->t == T_GE ? 2 : 1;
		break;
	case '"':
		/* a JSON string: find its end, then let the scanner judge it */
		for (q = p + 1; q < x->end && *q != '"'; q++)
			if (*q == '\\' && q + 1 < x->end)
				q++;
		if (q >= x->end) {
			lfail(x, "unterminated string");
			return;
		}
		if (json_validate(p, (size_t)(q + 1 - p), NULL, &je) < 0) {
			lfail(x, "invalid string: %s", je.msg);
			return;
		}
		x->t = T_STRING;
		x->js.type = JSON_STRING;
		x->js.p = p + 1;
		x->js.len = (size_t)(q - p - 1);
		x->js.escaped = memchr(p + 1, '\\', x->js.len) != NULL;
		p = q + 1;
		break;
	default:
		if (*p == '-' &&
		    (p + 1 >= x->end || !isdigit((unsigned char)p[1]))) {
			x->t = T_MINUS;
			p++;
			break;
		}
		if (*p == '-' || isdigit((unsigned char)*p)) {
			for (q = p + 1; q < x->end &&
					(isalnum((unsigned char)*q) ||
					 *q == '.' || *q == '+' || *q == '-');
			     q++)
				if ((*q == '+' || *q == '-') &&
				    (q[-1] | 0x20) != 'e')
					break;
			if (json_validate(p, (size_t)(q - p), NULL, &je) < 0) {
				lfail(x, "invalid number: %.*s", (int)(q - p),
				      p);
				return;
			}
			x->t = T_NUMBER;
			x->js.type = JSON_NUMBER;
			x->js.p = p;
			x->js.len = (size_t)(q - p);
			p = q;
			break;
		}
		if (isalpha((unsigned char)*p) || *p == '_') {
			for (q = p; q < x->end &&
				    (isalnum((unsigned char)*q) || *q == '_');
			     q++)
				;
			x->t = T_IDENT;
			p = q;
			break;
		}
		lfail(x, "unexpected character '%c'", *p);
		return;
	}
	x->tlen = (size_t)(p - x->tp);
	x->p = p;
}

static int
is_word(const struct lexer *x, const char *w)
{
	return x->t == T_IDENT && x->tlen == strlen(w) &&
	       memcmp(x->tp, w, x->tlen) == 0;
}

/* ---- parser ----------------------------------------------------------- */

static struct node *
new_node(enum kind k)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		abort();
	n->kind = k;
	return n;
}

static void
free_node(struct node *n)
{
	int i;

	if (!n)
		return;
	for (i = 0; i < n->nseg; i++)
		free(n->seg[i].key);
	free(n->seg);
	free(n->litbuf);
	if (n->md)
		pcre2_match_data_free(n->md);
	if (n->re)
		pcre2_code_free(n->re);
	free(n->prefix);
	free(n->pat);
	free(n->slot);
	for (i = 0; i < n->nargs; i++)
		free_node(n->args[i]);
	free(n->args);
	free_node(n->a);
	free_node(n->b);
	free(n);
}

/* n, its children attached: its depth, an error when too deep. */
static struct node *
grown(struct lexer *x, struct node *n)
{
	int d = 0, i;

	if (n->a && n->a->depth > d)
		d = n->a->depth;
	if (n->b && n->b->depth > d)
		d = n->b->depth;
	for (i = 0; i < n->nargs; i++)
		if (n->args[i] && n->args[i]->depth > d)
			d = n->args[i]->depth;
	n->depth = d + 1;
	if (n->depth > MAX_DEPTH && !x->failed)
		lfail(x, "the expression nests more than %d deep", MAX_DEPTH);
	return n;
}

/* A string or identifier token's text, decoded, NUL-terminated. */
static char *
token_text(struct lexer *x, size_t *len)
{
	struct buf b = BUF_INIT;

	if (x->t == T_STRING)
		json_unescape(&b, x->js.p, x->js.len);
	else if (x->t == T_NUMBER)
		buf_add(&b, x->js.p, x->js.len);
	else
		buf_add(&b, x->tp, x->tlen);
	return buf_detach(&b, len);
}

static struct node *parse_pred(struct lexer *x);

/* The slot of a capture name, made when new. */
static int
capture_slot(struct map_program *pg, const char *name, size_t len)
{
	int i;

	for (i = 0; i < pg->ncap; i++)
		if (strlen(pg->capname[i]) == len &&
		    memcmp(pg->capname[i], name, len) == 0)
			return i;
	pg->capname =
		realloc(pg->capname, (size_t)(pg->ncap + 1) * sizeof(char *));
	pg->capval = realloc(pg->capval,
			     (size_t)(pg->ncap + 1) * sizeof(*pg->capval));
	pg->capsave = realloc(pg->capsave,
			      (size_t)(pg->ncap + 1) * sizeof(*pg->capsave));
	if (!pg->capname || !pg->capval || !pg->capsave)
		abort();
	pg->capname[pg->ncap] = strndup(name, len);
	if (!pg->capname[pg->ncap])
		abort();
	return pg->ncap++;
}

/*
 * EXPR ~ "regex": compiled once (PCRE2, UTF, JIT when it can); the
 * literal text it starts with, if any, is tried before the regex runs.
 */
static struct node *
parse_match(struct lexer *x, struct node *subject)
{
	struct node *n = new_node(N_MATCH);
	struct buf pat = BUF_INIT;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];
	int errcode, i, count, entry;
	uint32_t names, esize;
	PCRE2_SPTR table;
	size_t k;

	n->a = subject;
	grown(x, n);
	next(x);
	if (x->t != T_STRING) {
		lfail(x, "~ takes a \"regex\" string");
		return n;
	}
	json_unescape(&pat, x->js.p, x->js.len);
	n->patlen = x->js.len; /* as written, escapes and all */
	n->pat = strndup(x->js.p, x->js.len);
	n->re = pcre2_compile((PCRE2_SPTR)pat.data, pat.len, PCRE2_UTF,
			      &errcode, &erroff, NULL);
	if (!n->re) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		lfail(x, "regex: %s at offset %zu", (char *)msg,
		      (size_t)erroff);
		buf_release(&pat);
		return n;
	}
	pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE); /* faster when it works */
	n->md = pcre2_match_data_create_from_pattern(n->re, NULL);
	/*
	 * The literal text the pattern starts with: a subject must start
	 * with it (anchored by ^) or hold it (not anchored).  None when the
	 * pattern has an alternative anywhere.
	 */
	if (!memchr(pat.data, '|', pat.len)) {
		size_t from = pat.len && pat.data[0] == '^';
		for (k = from;
		     k < pat.len && !strchr("\\^$.|?*+()[]{}", pat.data[k]);
		     k++)
			;
		/*
		 * a quantifier makes the last literal optional: the whole
		 * character, all the bytes of a UTF-8 sequence
		 */
		if (k < pat.len && strchr("?*{", pat.data[k]) && k > from)
			while (--k > from &&
			       ((unsigned char)pat.data[k] & 0xc0) == 0x80)
				;
		if (k > from) {
			n->anchored = from == 1;
			n->prefixlen = k - from;
			n->prefix = strndup(pat.data + from, n->prefixlen);
		}
	}
	/* named groups get $name slots */
	pcre2_pattern_info(n->re, PCRE2_INFO_CAPTURECOUNT, &count);
	n->ngroups = count + 1;
	n->slot = malloc((size_t)n->ngroups * sizeof(int));
	if (!n->slot || !n->md || !n->pat)
		abort();
	for (i = 0; i < n->ngroups; i++)
		n->slot[i] = -1;
	pcre2_pattern_info(n->re, PCRE2_INFO_NAMECOUNT, &names);
	pcre2_pattern_info(n->re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(n->re, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < (int)names; i++) {
		const unsigned char *e =
			(const unsigned char *)table + i * esize;
		entry = e[0] << 8 | e[1];
		n->slot[entry] = capture_slot(x->pg, (const char *)e + 2,
					      strlen((const char *)e + 2));
	}
	buf_release(&pat);
	next(x);
	return n;
}

static struct node *parse_segs(struct lexer *x, struct node *n, int dot);

/* . | .name | ."name" | [0] | ["name"], repeated */
static struct node *
parse_path(struct lexer *x, enum kind kind)
{
	struct node *n = new_node(kind);
	int dot = 1; /* the leading dot was seen (not after @) */

	if (x->t == T_AT) {
		n->elem = 1;
		dot = 0;
	}
	next(x);
	return parse_segs(x, n, dot);
}

/*
 * The steps of a path, after its start: .name ."name" [0] ["name"],
 * repeated; dot says a '.' was just read.
 */
static struct node *
parse_segs(struct lexer *x, struct node *n, int dot)
{
	struct seg s;

	for (;;) {
		memset(&s, 0, sizeof(s));
		s.index = -1;
		if (dot && (x->t == T_IDENT || x->t == T_STRING)) {
			s.key = token_text(x, &s.keylen);
			next(x);
		} else if (x->t == T_LBRACK) {
			next(x);
			if (x->t == T_NUMBER && x->js.len < 10 &&
			    memchr(x->js.p, '-', x->js.len) == NULL &&
			    !memchr(x->js.p, '.', x->js.len) &&
			    !memchr(x->js.p, 'e', x->js.len)) {
				s.index = strtol(x->js.p, NULL, 10);
			} else if (x->t == T_STRING) {
				s.key = token_text(x, &s.keylen);
			} else {
				lfail(x,
				      "expected an index or a \"key\" in []");
				return n;
			}
			next(x);
			if (x->t != T_RBRACK) {
				lfail(x, "expected ']'");
				free(s.key);
				return n;
			}
			next(x);
		} else if (!dot && x->t == T_DOT) {
			next(x);
			dot = 1;
			continue;
		} else {
			if (dot && n->nseg > 0)
				lfail(x, "expected a name after '.'");
			return n;
		}
		dot = 0;
		n->seg = realloc(n->seg,
				 (size_t)(n->nseg + 1) * sizeof(*n->seg));
		if (!n->seg)
			abort();
		n->seg[n->nseg++] = s;
	}
}

static struct node *
parse_literal(struct lexer *x)
{
	struct node *n = new_node(N_LIT);

	if (x->t == T_STRING || x->t == T_NUMBER) {
		/* a string's escapes decoded once: its value, as a field's */
		n->litbuf = token_text(x, &n->lit.len);
		n->lit.t = x->t == T_STRING ? V_STR : V_NUM;
		n->lit.p = n->litbuf;
		n->lit.esc = 0;
	} else if (is_word(x, "true")) {
		n->lit.t = V_TRUE;
	} else if (is_word(x, "false")) {
		n->lit.t = V_FALSE;
	} else if (is_word(x, "null")) {
		n->lit.t = V_NULL;
	} else {
		free(n);
		return NULL;
	}
	next(x);
	return n;
}

/* A path into what a call or parentheses give: f(x)[0], (e).name */
static struct node *
parse_postfix(struct lexer *x, struct node *n)
{
	struct node *s;

	if (x->failed || (x->t != T_LBRACK && x->t != T_DOT))
		return n;
	s = new_node(N_SUB);
	s->a = n;
	grown(x, s);
	parse_segs(x, s, 0);
	if (!x->failed && s->nseg == 0)
		lfail(x, "expected a name after '.'");
	return s;
}

static struct node *parse_prim_in(struct lexer *x);

/* A value: parse_prim_in, within MAX_DEPTH of open parentheses and calls. */
static struct node *
parse_prim(struct lexer *x)
{
	struct node *n;

	if (x->nest >= MAX_DEPTH) {
		lfail(x, "the expression nests more than %d deep", MAX_DEPTH);
		return new_node(N_LIT);
	}
	x->nest++;
	n = parse_prim_in(x);
	x->nest--;
	return n;
}

static struct node *
parse_prim_in(struct lexer *x)
{
	struct node *n;
	size_t i;

	if (x->t == T_DOT)
		return parse_path(x, N_PATH);
	if (x->t == T_AT) {
		if (!x->elem_ok) {
			lfail(x,
			      "%.*s outside a table that explodes (explode "
			      "comes first)",
			      (int)x->tlen, x->tp);
			return new_node(N_LIT);
		}
		if (x->tlen == 1)
			return parse_path(x, N_PATH);
		if (x->tlen == 4 && memcmp(x->tp, "@key", 4) == 0)
			n = new_node(N_ELEMKEY);
		else if (x->tlen == 6 && memcmp(x->tp, "@index", 6) == 0)
			n = new_node(N_ELEMINDEX);
		else {
			lfail(x, "unknown %.*s (@, @key or @index)",
			      (int)x->tlen, x->tp);
			return new_node(N_LIT);
		}
		next(x);
		return n;
	}
	if (x->t == T_CAPTURE) {
		n = new_node(N_CAPTURE);
		n->cap = capture_slot(x->pg, x->tp + 1, x->tlen - 1);
		next(x);
		return n;
	}
	if ((n = parse_literal(x)))
		return n;
	if (x->t == T_LPAREN) {
		next(x);
		n = parse_pred(x);
		if (x->t != T_RPAREN)
			lfail(x, "expected ')'");
		next(x);
		return parse_postfix(x, n);
	}
	if (is_word(x, "rest")) {
		next(x);
		return new_node(N_REST);
	}
	if (x->t == T_IDENT) {
		if (is_word(x, "exists")) {
			next(x);
			if (x->t != T_LPAREN) {
				lfail(x, "expected '(' after exists");
				return new_node(N_LIT);
			}
			next(x);
			if (x->t == T_AT && !x->elem_ok) {
				lfail(x, "@ outside a table that explodes "
					 "(explode comes first)");
				return new_node(N_LIT);
			}
			if (x->t != T_DOT && !(x->t == T_AT && x->tlen == 1)) {
				lfail(x, "exists() takes a path");
				return new_node(N_LIT);
			}
			n = parse_path(x, N_EXISTS);
			if (x->t != T_RPAREN)
				lfail(x, "expected ')'");
			next(x);
			return n;
		}
		for (i = 0; i < sizeof(fns) / sizeof(*fns); i++)
			if (is_word(x, fns[i].name))
				break;
		if (i == sizeof(fns) / sizeof(*fns)) {
			lfail(x, "unknown function or word: %.*s", (int)x->tlen,
			      x->tp);
			return new_node(N_LIT);
		}
		n = new_node(N_CALL);
		n->fn = fns[i].fn;
		next(x);
		if (x->t != T_LPAREN) {
			lfail(x, "expected '(' after %s", fns[i].name);
			return n;
		}
		next(x);
		if (n->fn == F_OBJECT && x->t == T_RPAREN) {
			next(x); /* object(): {} */
			return parse_postfix(x, n);
		}
		n->a = parse_pred(x);
		if (n->fn == F_NULLIF || n->fn == F_SPLIT) {
			if (x->t != T_COMMA) {
				lfail(x, "%s() takes two arguments",
				      fns[i].name);
				return n;
			}
			next(x);
			n->b = parse_pred(x);
		} else if (n->fn == F_CONCAT || n->fn == F_OBJECT) {
			while (x->t == T_COMMA && !x->failed) {
				next(x);
				n->args = realloc(n->args,
						  (size_t)(n->nargs + 1) *
							  sizeof(*n->args));
				if (!n->args)
					abort();
				n->args[n->nargs++] = parse_pred(x);
			}
		}
		if (x->t != T_RPAREN &&
		    (n->fn == F_CONCAT || n->fn == F_OBJECT))
			lfail(x, "%s(): expected ',' or ')'", fns[i].name);
		else if (n->fn == F_OBJECT && n->nargs % 2 == 0)
			lfail(x, "object() takes names and values in pairs");
		else if (x->t != T_RPAREN &&
			 (n->fn == F_NULLIF || n->fn == F_SPLIT))
			lfail(x, "%s() takes two arguments: expected ')'",
			      fns[i].name);
		else if (x->t != T_RPAREN)
			lfail(x, "%s() takes one argument: expected ')'",
			      fns[i].name);
		next(x);
		return parse_postfix(x, grown(x, n));
	}
	lfail(x, x->t == T_END ? "unexpected end, expected a value"
			       : "expected a value");
	return new_node(N_LIT);
}

/* EXPR * EXPR, left to right */
static struct node *
parse_product(struct lexer *x)
{
	struct node *n = parse_prim(x), *d;

	while (x->t == T_STAR && !x->failed) {
		next(x);
		d = new_node(N_ARITH);
		d->op = '*';
		d->a = n;
		d->b = parse_prim(x);
		n = grown(x, d);
	}
	return n;
}

/* EXPR + EXPR, EXPR - EXPR (and EXPR -1, which the lexer reads as -1) */
static struct node *
parse_sum(struct lexer *x)
{
	struct node *n = parse_product(x), *d;

	while (!x->failed && (x->t == T_PLUS || x->t == T_MINUS ||
			      (x->t == T_NUMBER && x->js.p[0] == '-'))) {
		d = new_node(N_ARITH);
		d->op = x->t == T_PLUS ? '+' : '-';
		d->a = n;
		if (x->t == T_NUMBER) {
			/* the number's own '-' is the operator: read it again
			 * from just after that sign */
			x->p = x->tp + 1;
		}
		next(x);
		d->b = parse_product(x);
		n = grown(x, d);
	}
	return n;
}

static struct node *
parse_expr(struct lexer *x)
{
	struct node *n = parse_sum(x), *d;

	while (x->t == T_QQ && !x->failed) {
		next(x);
		d = new_node(N_DEFAULT);
		d->a = n;
		d->b = parse_sum(x);
		n = grown(x, d);
	}
	return n;
}

static struct node *
parse_cmp(struct lexer *x)
{
	struct node *n = parse_expr(x), *c;
	enum cmp op;

	switch (x->t) {
	case T_EQ:
		op = C_EQ;
		break;
	case T_NE:
		op = C_NE;
		break;
	case T_LT:
		op = C_LT;
		break;
	case T_LE:
		op = C_LE;
		break;
	case T_GT:
		op = C_GT;
		break;
	case T_GE:
		op = C_GE;
		break;
	case T_MATCH:
		return parse_match(x, n);
	default:
		return n;
	}
	next(x);
	c = new_node(N_CMP);
	c->cmp = op;
	c->a = n;
	c->b = parse_expr(x);
	return grown(x, c);
}

static struct node *
parse_not(struct lexer *x)
{
	struct node *n;

	if (is_word(x, "not")) {
		if (x->nest >= MAX_DEPTH) {
			lfail(x, "the expression nests more than %d deep",
			      MAX_DEPTH);
			return new_node(N_LIT);
		}
		next(x);
		n = new_node(N_NOT);
		x->nest++;
		n->a = parse_not(x);
		x->nest--;
		return grown(x, n);
	}
	return parse_cmp(x);
}

static struct node *
parse_and(struct lexer *x)
{
	struct node *n = parse_not(x), *a;

	while (is_word(x, "and") && !x->failed) {
		next(x);
		a = new_node(N_AND);
		a->a = n;
		a->b = parse_not(x);
		n = grown(x, a);
	}
	return n;
}

static struct node *
parse_pred(struct lexer *x)
{
	struct node *n = parse_and(x), *o;

	while (is_word(x, "or") && !x->failed) {
		next(x);
		o = new_node(N_OR);
		o->a = n;
		o->b = parse_and(x);
		n = grown(x, o);
	}
	return n;
}

static int
parse_directive(struct map_program *pg, struct lexer *x)
{
	struct block *b = &pg->blk[pg->nblk - 1];
	struct assign a;
	size_t len;
	int i;

	x->pg = pg;
	x->elem_ok = b->explode != NULL;
	next(x);
	if (x->t == T_END)
		return 0; /* empty */
	if (is_word(x, "table")) {
		x->elem_ok = 0;
		struct block nb;
		next(x);
		if (x->t != T_IDENT && x->t != T_STRING) {
			lfail(x, "table takes a name");
			return -1;
		}
		memset(&nb, 0, sizeof(nb));
		nb.table = token_text(x, &len);
		for (i = 1; i < pg->nblk; i++)
			if (strcmp(pg->blk[i].table, nb.table) == 0) {
				lfail(x, "table %s is defined twice", nb.table);
				free(nb.table);
				return -1;
			}
		if (pg->blk[0].nas || pg->blk[0].keep || pg->blk[0].ndrop ||
		    pg->blk[0].explode) {
			lfail(x, "columns before the first table belong to no "
				 "table");
			free(nb.table);
			return -1;
		}
		nb.tag = (struct buf)BUF_INIT;
		buf_adds(&nb.tag, "\"$table\":");
		json_write_string(&nb.tag, nb.table, len);
		next(x);
		if (is_word(x, "when")) {
			next(x);
			nb.when = parse_pred(x);
		}
		pg->blk = realloc(pg->blk,
				  (size_t)(pg->nblk + 1) * sizeof(*pg->blk));
		if (!pg->blk)
			abort();
		pg->blk[pg->nblk++] = nb;
	} else if (is_word(x, "unmatched")) {
		next(x);
		if (is_word(x, "reject"))
			pg->unmatched = UNMATCHED_REJECT;
		else if (is_word(x, "drop"))
			pg->unmatched = UNMATCHED_DROP;
		else if (is_word(x, "pass"))
			pg->unmatched = UNMATCHED_PASS;
		else {
			lfail(x, "unmatched takes reject, drop or pass");
			return -1;
		}
		next(x);
	} else if (is_word(x, "where")) {
		next(x);
		b->where = realloc(b->where,
				   (size_t)(b->nwhere + 1) * sizeof(*b->where));
		if (!b->where)
			abort();
		b->where[b->nwhere++] = parse_pred(x);
	} else if (is_word(x, "explode")) {
		if (pg->nblk > 1 && b == &pg->blk[0]) {
			lfail(x, "explode before the first table");
			return -1;
		}
		if (b->explode) {
			lfail(x, "a second explode in one table");
			return -1;
		}
		next(x);
		if (x->t != T_DOT) {
			lfail(x, "explode takes a path");
			return -1;
		}
		b->explode = parse_path(x, N_PATH);
	} else if (is_word(x, "flatten")) {
		if (pg->nblk > 1 && b == &pg->blk[0]) {
			lfail(x, "flatten before the first table");
			return -1;
		}
		memset(&a, 0, sizeof(a));
		a.name = strdup("flatten");
		if (!a.name)
			abort();
		a.namelen = 7;
		a.flatten = 1;
		a.key = (struct buf)BUF_INIT;
		next(x);
		a.expr = parse_expr(x);
		b->as = realloc(b->as, (size_t)(b->nas + 1) * sizeof(*b->as));
		if (!b->as)
			abort();
		b->as[b->nas++] = a;
		b->nflatten++;
	} else if (is_word(x, "keep")) {
		b->keep = 1;
		next(x);
	} else if (is_word(x, "drop")) {
		next(x);
		if (x->t != T_IDENT && x->t != T_STRING) {
			lfail(x, "drop takes a top-level key name");
			return -1;
		}
		b->drop = realloc(b->drop,
				  (size_t)(b->ndrop + 1) * sizeof(char *));
		b->droplen = realloc(b->droplen,
				     (size_t)(b->ndrop + 1) * sizeof(size_t));
		if (!b->drop || !b->droplen)
			abort();
		b->drop[b->ndrop] = token_text(x, &b->droplen[b->ndrop]);
		b->ndrop++;
		next(x);
	} else if (x->t == T_IDENT || x->t == T_STRING) {
		if (pg->nblk > 1 && b == &pg->blk[0]) {
			lfail(x, "a column before the first table");
			return -1;
		}
		memset(&a, 0, sizeof(a));
		a.name = token_text(x, &len);
		a.namelen = len;
		/*
		 * x and X too: pg-copy-load matches a key that names no
		 * column exactly case-insensitively, so both would load x
		 */
		for (i = 0; i < b->nas; i++)
			if (!b->as[i].flatten && b->as[i].namelen == len &&
			    strncasecmp(b->as[i].name, a.name, len) == 0) {
				if (memcmp(b->as[i].name, a.name, len) == 0)
					lfail(x, "column %s is assigned twice",
					      a.name);
				else
					lfail(x,
					      "columns %s and %s differ only "
					      "in case (one column to "
					      "pg-copy-load)",
					      b->as[i].name, a.name);
				free(a.name);
				return -1;
			}
		next(x);
		if (x->t != T_ASSIGN) {
			lfail(x,
			      "expected '=' after the column name %s "
			      "(or where, keep, drop)",
			      a.name);
			free(a.name);
			return -1;
		}
		next(x);
		a.expr = parse_expr(x);
		if (is_word(x, "else")) {
			next(x);
			if (is_word(x, "reject")) {
				a.on_error = ON_REJECT;
				next(x);
			} else if (is_word(x, "null")) {
				a.on_error = ON_NULL;
				next(x);
			} else {
				/* a value, or what an expression gives then */
				a.fallback = parse_expr(x);
				a.on_error = ON_VALUE;
			}
		}
		a.key = (struct buf)BUF_INIT;
		json_write_string(&a.key, a.name, a.namelen);
		buf_addch(&a.key, ':');
		b->as = realloc(b->as, (size_t)(b->nas + 1) * sizeof(*b->as));
		if (!b->as)
			abort();
		b->as[b->nas++] = a;
	} else {
		lfail(x, "expected a directive: NAME = EXPR, where, keep, "
			 "drop, flatten, explode, table or unmatched");
		return -1;
	}
	if (x->t != T_END)
		lfail(x, "unexpected text after the directive: %.*s",
		      (int)x->tlen, x->tp);
	return x->failed ? -1 : 0;
}

int
map_extend(struct map_program *pg, const char *text, const char *where,
	   struct err *e)
{
	const char *p = text, *eol, *q;
	struct lexer x;
	int line = 0, in_str;

	while (*p) {
		line++;
		/* a line, cut at a '#' or ';' outside a string */
		for (eol = p, in_str = 0; *eol && *eol != '\n'; eol++) {
			if (*eol == '"')
				in_str = !in_str;
			else if (*eol == '\\' && in_str && eol[1])
				eol++;
			else if (!in_str && (*eol == '#' || *eol == ';'))
				break;
		}
		memset(&x, 0, sizeof(x));
		x.p = p;
		x.end = eol;
		x.where = where;
		x.line = line;
		x.e = e;
		if (parse_directive(pg, &x) < 0)
			return -1;
		if (*eol == ';') {
			p = eol + 1;
			line--; /* the same line goes on */
			continue;
		}
		for (q = eol; *q && *q != '\n'; q++)
			;
		p = *q ? q + 1 : q;
	}
	return 0;
}

struct map_program *
map_compile(const char *text, const char *where, struct err *e)
{
	struct map_program *pg = calloc(1, sizeof(*pg));

	if (!pg) {
		err_set(e, ERR_SYSTEM, "out of memory");
		return NULL;
	}
	pg->scratch = (struct buf)BUF_INIT;
	pg->tmp = (struct buf)BUF_INIT;
	pg->tmp2 = (struct buf)BUF_INIT;
	pg->ks = (struct keyset)KEYSET_INIT;
	pg->deep = (struct keyset_deep)KEYSET_DEEP_INIT;
	pg->blk = calloc(1, sizeof(*pg->blk));
	if (!pg->blk) {
		free(pg);
		err_set(e, ERR_SYSTEM, "out of memory");
		return NULL;
	}
	pg->blk[0].tag = (struct buf)BUF_INIT;
	pg->nblk = 1;
	if (map_extend(pg, text, where, e) < 0) {
		map_free(pg);
		return NULL;
	}
	return pg;
}

int
map_is_empty(const struct map_program *pg)
{
	const struct block *b;

	if (!pg)
		return 1;
	b = &pg->blk[0];
	return pg->nblk == 1 && !b->nas && !b->nwhere && !b->ndrop &&
	       !b->keep && !b->explode;
}

int
map_has_tables(const struct map_program *pg)
{
	return pg && pg->nblk > 1;
}

void
map_free(struct map_program *pg)
{
	int i, k;

	if (!pg)
		return;
	for (k = 0; k < pg->nblk; k++) {
		struct block *b = &pg->blk[k];
		for (i = 0; i < b->nas; i++) {
			free(b->as[i].name);
			buf_release(&b->as[i].key);
			free_node(b->as[i].expr);
			free_node(b->as[i].fallback);
		}
		free(b->as);
		for (i = 0; i < b->nwhere; i++)
			free_node(b->where[i]);
		free(b->where);
		for (i = 0; i < b->ndrop; i++)
			free(b->drop[i]);
		free(b->drop);
		free(b->droplen);
		free(b->table);
		free(b->used);
		buf_release(&b->tag);
		free_node(b->when);
		free_node(b->explode);
	}
	free(pg->blk);
	for (i = 0; i < pg->ncap; i++)
		free(pg->capname[i]);
	free(pg->capname);
	free(pg->capval);
	free(pg->capsave);
	buf_release(&pg->scratch);
	buf_release(&pg->tmp);
	buf_release(&pg->tmp2);
	keyset_free(&pg->ks);
	keyset_deep_free(&pg->deep);
	free(pg);
}

/* ---- evaluation ------------------------------------------------------- */

/* n bytes of scratch space that will not move for this record, or NULL. */
static char *
sput(struct map_program *pg, size_t n)
{
	char *p;

	if (pg->scratch.cap - pg->scratch.len <= n) {
		pg->overflow = 1; /* map_run tries again with more room */
		return NULL;
	}
	p = pg->scratch.data + pg->scratch.len;
	pg->scratch.len += n;
	return p;
}

/* out: the value of type t whose text is b's, copied into scratch. */
static int
keep(struct map_program *pg, const struct buf *b, enum vt t, struct val *out)
{
	char *o;

	if (!(o = sput(pg, b->len + 1)))
		return -1;
	memcpy(o, b->data, b->len);
	out->t = t;
	out->p = o;
	out->len = b->len;
	out->esc = 0;
	return 0;
}

static struct val
of_json(const struct json_value *v)
{
	struct val r = {V_ABSENT, v->p, v->len, 0};

	switch (v->type) {
	case JSON_NULL:
		r.t = V_NULL;
		break;
	case JSON_FALSE:
		r.t = V_FALSE;
		break;
	case JSON_TRUE:
		r.t = V_TRUE;
		break;
	case JSON_NUMBER:
		r.t = V_NUM;
		break;
	case JSON_STRING:
		r.t = V_STR;
		r.esc = v->escaped;
		break;
	default:
		r.t = V_JSON;
		break;
	}
	return r;
}

static int
key_is(const char *k, size_t klen, int kesc, const char *name, size_t n,
       struct buf *tmp)
{
	if (!kesc)
		return klen == n && memcmp(k, name, n) == 0;
	buf_reset(tmp);
	json_unescape(tmp, k, klen);
	return tmp->len == n && memcmp(tmp->data, name, n) == 0;
}

static struct val walk(struct map_program *pg, const struct node *n, int s,
		       struct json_value cur);

static struct val
lookup(struct map_program *pg, const struct node *n, const char *rec,
       size_t len)
{
	struct val none = {V_ABSENT, NULL, 0, 0};
	struct json_value cur;
	size_t i;
	int s;

	if (n->elem) {
		cur = pg->elem;
		s = 0;
	} else {
		if (n->nseg == 0) {
			struct val whole = {V_JSON, rec, len, 0};
			return whole;
		}
		/* the first step among the record's members */
		if (n->seg[0].index >= 0)
			return none;
		for (i = 0; i < pg->nmem; i++)
			if (key_is(pg->mem[i].k, pg->mem[i].klen,
				   pg->mem[i].kesc, n->seg[0].key,
				   n->seg[0].keylen, &pg->tmp))
				break;
		if (i == pg->nmem)
			return none;
		cur = pg->mem[i].v;
		s = 1;
	}
	return walk(pg, n, s, cur);
}

/* The value n's steps from s on lead to from cur, or absent. */
static struct val
walk(struct map_program *pg, const struct node *n, int s, struct json_value cur)
{
	struct val none = {V_ABSENT, NULL, 0, 0};
	struct json_value k, v;
	struct json_iter it;
	struct json_error je;
	int found;
	long idx;

	for (; s < n->nseg; s++) {
		found = 0;
		if (n->seg[s].index < 0 && cur.type == JSON_OBJECT) {
			json_object_open_value(&it, &cur);
			while (json_object_next(&it, &k, &v, &je) > 0)
				if (key_is(k.p, k.len, k.escaped, n->seg[s].key,
					   n->seg[s].keylen, &pg->tmp)) {
					cur = v;
					found = 1;
					break;
				}
		} else if (n->seg[s].index >= 0 && cur.type == JSON_ARRAY) {
			json_array_open(&it, &cur);
			for (idx = 0; json_array_next(&it, &v) > 0; idx++)
				if (idx == n->seg[s].index) {
					cur = v;
					found = 1;
					break;
				}
		}
		if (!found)
			return none;
	}
	return of_json(&cur);
}

/* A string value's bytes, decoded into scratch when it is escaped. */
static int
bytes_of(struct map_program *pg, const struct val *v, const char **p, size_t *n)
{
	char *d;

	if (!v->esc) {
		*p = v->p;
		*n = v->len;
		return 0;
	}
	buf_reset(&pg->tmp);
	json_unescape(&pg->tmp, v->p, v->len);
	if (!(d = sput(pg, pg->tmp.len + 1)))
		return -1;
	memcpy(d, pg->tmp.data, pg->tmp.len);
	*p = d;
	*n = pg->tmp.len;
	return 0;
}

/*
 * The text of a value, as text() gives it and md5() and concat() read it:
 * a string's bytes, decoded; a number's text; true, false; an object's or
 * array's JSON text without white space, its keys the data's ("$$x" is
 * "$x", as pg-copy-load loads it into a text column).  Into scratch when
 * it is not the value's own text.
 */
static int
text_of(struct map_program *pg, const struct val *v, const char **p, size_t *n)
{
	struct buf *b = &pg->tmp2;
	struct val t;

	switch (v->t) {
	case V_STR:
		return bytes_of(pg, v, p, n);
	case V_TRUE:
	case V_FALSE:
		*p = v->t == V_TRUE ? "true" : "false";
		*n = strlen(*p);
		return 0;
	case V_JSON:
		buf_reset(&pg->tmp2);
		json_compact(&pg->tmp2, v->p, v->len);
		if (json_unescape_keys(&pg->tmp, pg->tmp2.data, pg->tmp2.len))
			b = &pg->tmp;
		if (keep(pg, b, V_STR, &t) < 0)
			return -1;
		*p = t.p;
		*n = t.len;
		return 0;
	default:
		*p = v->p;
		*n = v->len;
		return 0;
	}
}

/*
 * A JSON number's exact value, read in place: sign, its significant digits
 * (no leading or trailing zeros; a '.' may lie among them, skipped by
 * dec_digit) and the power of ten of the first digit, exp; 0 has none.
 * Any number of digits, any exponent: when the exponent written has more
 * than 18 digits, exp is not set and the exponent is ed[0..en) (its
 * digits, without leading zeros; eneg its sign) plus off.
 */
struct dec {
	int neg;
	const char *d; /* the first significant digit */
	size_t n;      /* how many significant digits */
	size_t dot;    /* d[dot] is the '.', or SIZE_MAX when none is inside */
	long long exp;
	int bigexp; /* the exponent is ed, eneg, off */
	const char *ed;
	size_t en;
	int eneg;
	long long off;
};

/* The i-th significant digit of x, i < x->n. */
static char
dec_digit(const struct dec *x, size_t i)
{
	return x->d[i + (i >= x->dot)];
}

static void
to_dec(const char *p, size_t len, struct dec *x)
{
	const char *end = p + len, *q, *first = NULL, *last = NULL,
		   *point = NULL;
	long long e = 0, before = 0; /* digits before the point, from first */

	memset(x, 0, sizeof(*x));
	x->dot = SIZE_MAX;
	x->d = p;
	if (p < end && *p == '-') {
		x->neg = 1;
		p++;
	}
	for (q = p; q < end && (isdigit((unsigned char)*q) || *q == '.'); q++) {
		if (*q == '.') {
			point = q;
			continue;
		}
		if (*q != '0') {
			if (!first)
				first = q;
			last = q;
		}
		if (first && !point)
			before++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			x->eneg = *q++ == '-';
		while (q < end && *q == '0')
			q++;
		x->ed = q;
		for (; q < end && isdigit((unsigned char)*q); q++)
			if (++x->en <= 18)
				e = e * 10 + (*q - '0');
		x->bigexp = x->en > 18;
	}
	if (!first) {
		x->neg = 0;
		x->bigexp = 0;
		return;
	}
	x->d = first;
	x->n = (size_t)(last - first) + 1;
	if (point && point > first && point < last) {
		x->dot = (size_t)(point - first);
		x->n--;
	}
	if (point && point < first) /* 0.00123: the zeros after the point */
		before = -(long long)(first - point - 1);
	x->off = before - 1;
	x->exp = x->off + (x->eneg ? -e : e);
}

/* Signed decimal integers, digits without leading zeros: <0, 0, >0. */
static int
sdcmp(int an, const char *a, size_t alen, int bn, const char *b, size_t blen)
{
	int c, sign = an ? -1 : 1;

	if (an != bn)
		return an ? -1 : 1;
	if (alen != blen)
		return alen > blen ? sign : -sign;
	c = memcmp(a, b, alen);
	return c > 0 ? sign : c < 0 ? -sign : 0;
}

/*
 * Compare the powers of ten of x's and y's first digits when one of them
 * has an exponent of more than 18 digits (at least 10^18, more than any
 * number of digits a record holds): the long one's moved by its offset
 * (less the other's when that is long too), in work, against the other's,
 * digit by digit.
 */
static int
expcmp(const struct dec *x, const struct dec *y, struct buf *work)
{
	const struct dec *l = x->bigexp ? x : y, *o = x->bigexp ? y : x;
	/* l's offset, less the other's when its exponent is also digits */
	long long d = o->bigexp ? l->off - o->off : l->off;
	unsigned long long m =
		d < 0 ? 0ULL - (unsigned long long)d : (unsigned long long)d;
	int sub = (d < 0) != l->eneg, c;
	size_t i, k;
	char *z, t[24];
	int dig;

	/* |l's exponent| + or - m, from the last digit: no sign change, as
	 * it is at least 10^18 and m is less */
	buf_reset(work);
	buf_grow(work, l->en + 2);
	z = work->data + l->en + 1;
	for (i = l->en, c = 0; i-- > 0;) {
		dig = l->ed[i] - '0' +
		      (sub ? -(int)(m % 10) - c : (int)(m % 10) + c);
		m /= 10;
		c = sub ? dig < 0 : dig > 9;
		*--z = (char)('0' + (sub ? (dig + 10) % 10 : dig % 10));
	}
	if (c && !sub)
		*--z = '1';
	k = (size_t)(work->data + l->en + 1 - z);
	while (k > 1 && *z == '0')
		z++, k--;
	/* the other's exponent as digits */
	i = (size_t)snprintf(t, sizeof(t), "%llu",
			     o->bigexp	  ? 0ULL
			     : o->exp < 0 ? 0ULL - (unsigned long long)o->exp
					  : (unsigned long long)o->exp);
	c = o->bigexp ? sdcmp(l->eneg, z, k, o->eneg, o->ed, o->en)
		      : sdcmp(l->eneg, z, k, o->exp < 0, t, i);
	return l == x ? c : -c;
}

/* Compare two JSON numbers exactly: <0, 0, >0. */
static int
numcmp(const char *a, size_t alen, const char *b, size_t blen, struct buf *work)
{
	struct dec x, y;
	int c, sign;
	size_t i;

	to_dec(a, alen, &x);
	to_dec(b, blen, &y);
	if (x.n == 0 || y.n == 0) {
		if (x.n == 0 && y.n == 0)
			return 0;
		return x.n == 0 ? (y.neg ? 1 : -1) : (x.neg ? -1 : 1);
	}
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	sign = x.neg ? -1 : 1;
	if (x.bigexp || y.bigexp)
		c = expcmp(&x, &y, work);
	else
		c = (x.exp > y.exp) - (x.exp < y.exp);
	if (c)
		return c * sign;
	for (i = 0; i < x.n && i < y.n; i++)
		if ((c = dec_digit(&x, i) - dec_digit(&y, i)))
			return c > 0 ? sign : -sign;
	if (x.n == y.n)
		return 0;
	return x.n > y.n ? sign : -sign;
}

/* The first path steps under n, for rest: the keys the columns read. */
static void
collect_used(struct block *b, const struct node *n)
{
	int i;

	if (!n)
		return;
	if ((n->kind == N_PATH || n->kind == N_EXISTS) && !n->elem &&
	    n->nseg > 0 && n->seg[0].index < 0) {
		b->used = realloc(b->used,
				  (size_t)(b->nused + 1) * sizeof(*b->used));
		if (!b->used)
			abort();
		b->used[b->nused++] = &n->seg[0];
	}
	collect_used(b, n->a);
	collect_used(b, n->b);
	for (i = 0; i < n->nargs; i++)
		collect_used(b, n->args[i]);
}

static int concat(struct map_program *pg, const struct node *n, const char *rec,
		  size_t len, struct val *out);
static int split(struct map_program *pg, const struct node *n, const char *rec,
		 size_t len, struct val *out);
static int eval(struct map_program *pg, const struct node *n, const char *rec,
		size_t len, struct val *out);
static void put_val(struct buf *out, const struct val *v);
static int object(struct map_program *pg, const struct node *n, const char *rec,
		  size_t len, struct val *out);
static int arith(struct map_program *pg, const struct node *n, const char *rec,
		 size_t len, struct val *out);

/* Comparisons with an absent or null side are false: use exists(). */
static int
compare(struct map_program *pg, const struct node *n, const char *rec,
	size_t len)
{
	struct val a, b;
	const char *ap, *bp;
	size_t an, bn;
	int c;

	if (eval(pg, n->a, rec, len, &a) < 0 ||
	    eval(pg, n->b, rec, len, &b) < 0)
		return -1;
	if (a.t == V_ABSENT || a.t == V_NULL || b.t == V_ABSENT ||
	    b.t == V_NULL)
		return 0;
	if (a.t == V_NUM && b.t == V_NUM) {
		c = numcmp(a.p, a.len, b.p, b.len, &pg->tmp2);
	} else if (a.t == V_STR && b.t == V_STR) {
		if (bytes_of(pg, &a, &ap, &an) < 0 ||
		    bytes_of(pg, &b, &bp, &bn) < 0)
			return -1;
		c = memcmp(ap, bp, an < bn ? an : bn);
		if (!c)
			c = (an > bn) - (an < bn);
	} else if (a.t == b.t && (a.t == V_TRUE || a.t == V_FALSE)) {
		c = 0;
	} else if ((a.t == V_TRUE || a.t == V_FALSE) &&
		   (b.t == V_TRUE || b.t == V_FALSE)) {
		if (n->cmp == C_EQ || n->cmp == C_NE)
			return n->cmp == C_NE;
		return 0;
	} else {
		/* different kinds: never equal, never ordered */
		return n->cmp == C_NE;
	}
	switch (n->cmp) {
	case C_EQ:
		return c == 0;
	case C_NE:
		return c != 0;
	case C_LT:
		return c < 0;
	case C_LE:
		return c <= 0;
	case C_GT:
		return c > 0;
	case C_GE:
		return c >= 0;
	}
	return 0;
}

/* A predicate: 1 true, 0 false, -1 a cast failed. */
static int
truth(struct map_program *pg, const struct node *n, const char *rec, size_t len)
{
	struct val v;
	int a;

	switch (n->kind) {
	case N_CMP:
		return compare(pg, n, rec, len);
	case N_AND:
		if ((a = truth(pg, n->a, rec, len)) <= 0)
			return a;
		return truth(pg, n->b, rec, len);
	case N_OR:
		if ((a = truth(pg, n->a, rec, len)) != 0)
			return a;
		return truth(pg, n->b, rec, len);
	case N_NOT:
		if ((a = truth(pg, n->a, rec, len)) < 0)
			return a;
		return !a;
	case N_EXISTS:
		return lookup(pg, n, rec, len).t != V_ABSENT;
	case N_MATCH: {
		const char *p;
		size_t bl;
		PCRE2_SIZE *ov;
		int i, rc;

		if (eval(pg, n->a, rec, len, &v) < 0)
			return -1;
		if (v.t != V_STR)
			return 0;
		if (bytes_of(pg, &v, &p, &bl) < 0)
			return -1;
		/* the literal text says no before any regex runs */
		if (n->prefix &&
		    (n->anchored
			     ? bl < n->prefixlen ||
				       memcmp(p, n->prefix, n->prefixlen) != 0
			     : !memmem(p, bl, n->prefix, n->prefixlen)))
			rc = PCRE2_ERROR_NOMATCH;
		else
			rc = pcre2_match(n->re, (PCRE2_SPTR)p, bl, 0, 0, n->md,
					 NULL);
		/*
		 * JIT's stack is small (32 KiB): past it the interpreter,
		 * whose limits are PCRE2's defaults, decides, so that the
		 * answer does not depend on whether JIT compiled
		 */
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
			rc = pcre2_match(n->re, (PCRE2_SPTR)p, bl, 0,
					 PCRE2_NO_JIT, n->md, NULL);
		/* a match that ran into a limit is no answer: an error */
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR m[120];
			pcre2_get_error_message(rc, m, sizeof(m));
			snprintf(pg->why, sizeof(pg->why), "~ \"%.*s%s\": %s",
				 (int)(n->patlen > 40 ? 40 : n->patlen), n->pat,
				 n->patlen > 40 ? "..." : "", (char *)m);
			return -1;
		}
		/* every group of this match: taken, or absent (no earlier
		 * match's value stays) */
		ov = rc < 0 ? NULL : pcre2_get_ovector_pointer(n->md);
		for (i = 1; i < n->ngroups; i++) {
			struct val *c;
			if (n->slot[i] < 0)
				continue;
			c = &pg->capval[n->slot[i]];
			if (!ov || i >= rc || ov[2 * i] == PCRE2_UNSET) {
				*c = (struct val){.t = V_ABSENT};
				continue;
			}
			c->t = V_STR;
			c->p = p + ov[2 * i];
			c->len = ov[2 * i + 1] - ov[2 * i];
			c->esc = 0;
		}
		return rc >= 0;
	}
	default:
		if (eval(pg, n, rec, len, &v) < 0)
			return -1;
		return v.t == V_TRUE;
	}
}

static int __attribute__((format(printf, 3, 4)))
cast_fail(struct map_program *pg, const struct val *v, const char *fmt, ...)
{
	char m[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (v->t == V_ABSENT || v->t == V_NULL || !v->p) {
		/* no text to show (and none to read) */
		snprintf(pg->why, sizeof(pg->why), "%s: %s", m,
			 v->t == V_NULL ? "null" : "absent");
		return -1;
	}
	snprintf(pg->why, sizeof(pg->why), "%s: %s%.*s%s%s", m,
		 v->t == V_STR ? "\"" : "", (int)(v->len > 40 ? 40 : v->len),
		 v->p, v->len > 40 ? "..." : "", v->t == V_STR ? "\"" : "");
	return -1;
}

/* Is p[0..n) exactly a JSON number, nothing around it? */
static int
is_number_text(const char *p, size_t n)
{
	struct json_error je;
	enum json_type t;

	return n > 0 && (*p == '-' || isdigit((unsigned char)*p)) &&
	       isdigit((unsigned char)p[n - 1]) &&
	       json_validate(p, n, &t, &je) == 0 && t == JSON_NUMBER;
}

/*
 * The number text of a number, or of a string (its escapes decoded) that
 * is exactly one; -1 for anything else (or scratch ran out: overflow).
 */
static int
number_of(struct map_program *pg, const struct val *v, const char **p,
	  size_t *n)
{
	if (v->t == V_NUM) {
		*p = v->p;
		*n = v->len;
		return 0;
	}
	if (v->t != V_STR || bytes_of(pg, v, p, n) < 0)
		return -1;
	return is_number_text(*p, *n) ? 0 : -1;
}

/* "NaN", "Infinity" or "-Infinity", the contract's strings: 1, else 0. */
static int
is_nonfinite(const char *p, size_t n, double *f)
{
	if (n == 3 && memcmp(p, "NaN", 3) == 0)
		*f = NAN;
	else if (n == 8 && memcmp(p, "Infinity", 8) == 0)
		*f = INFINITY;
	else if (n == 9 && memcmp(p, "-Infinity", 9) == 0)
		*f = -INFINITY;
	else
		return 0;
	return 1;
}

/* The integer a JSON number or a string of one holds, as text; -1 if none. */
static int
integer_text(struct map_program *pg, const struct val *v, int bits,
	     struct val *out)
{
	const char *p;
	size_t n, i, k, len;
	struct dec x;
	char *o;
	const char *L;

	if (number_of(pg, v, &p, &n) < 0)
		return -1;
	to_dec(p, n, &x);
	if (x.bigexp)
		return -1;
	/* an integer: no digit after the point */
	if (x.n > 0 && (long long)x.n - 1 > x.exp)
		return -1;
	len = x.n == 0 ? 1 : (size_t)x.exp + 1;
	if (len > 19)
		return -1;
	if (!(o = sput(pg, len + 2)))
		return -1;
	out->t = V_NUM;
	out->p = o;
	out->esc = 0;
	if (x.neg)
		*o++ = '-';
	for (i = 0; i < len; i++)
		*o++ = i < x.n ? dec_digit(&x, i) : '0';
	out->len = (size_t)(o - out->p);
	*o = '\0'; /* epoch_*() read it with strtoll */
	/* within range: the digits against the limit for the sign */
	L = x.neg ? (bits == 32 ? "2147483648" : "9223372036854775808")
		  : (bits == 32 ? "2147483647" : "9223372036854775807");
	k = strlen(L);
	if (len > k || (len == k && memcmp(out->p + x.neg, L, k) > 0))
		return -1;
	return 0;
}

static int
parse_bool(const char *p, size_t n, int *b)
{
	static const char *const yes[] = {"t", "true", "y", "yes", "on", "1"};
	static const char *const no[] = {"f", "false", "n", "no", "off", "0"};
	size_t i;

	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	for (i = 0; i < 6; i++) {
		if (strlen(yes[i]) == n && strncasecmp(p, yes[i], n) == 0) {
			*b = 1;
			return 0;
		}
		if (strlen(no[i]) == n && strncasecmp(p, no[i], n) == 0) {
			*b = 0;
			return 0;
		}
	}
	return -1;
}

static char *
put_digits(char *o, long v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + n;
}

/* ISO 8601 UTC text for microseconds since 1970: 2024-05-01T12:00:00.25Z */
static int
put_utc(struct map_program *pg, int64_t us, int zone, struct val *out)
{
	int64_t days = us >= 0 ? us / 86400000000LL
			       : -((-us + 86399999999LL) / 86400000000LL);
	int64_t rem = us - days * 86400000000LL;
	int y, m, d;
	long frac = (long)(rem % 1000000);
	char t[40], *o = t;

	isotime_civil(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return -1;
	o = put_digits(o, y, 4);
	*o++ = '-';
	o = put_digits(o, m, 2);
	*o++ = '-';
	o = put_digits(o, d, 2);
	*o++ = 'T';
	o = put_digits(o, (long)(rem / 3600000000LL), 2);
	*o++ = ':';
	o = put_digits(o, (long)(rem / 60000000 % 60), 2);
	*o++ = ':';
	o = put_digits(o, (long)(rem / 1000000 % 60), 2);
	if (frac) {
		*o++ = '.';
		o = put_digits(o, frac, 6);
		while (o[-1] == '0')
			o--;
	}
	if (zone)
		*o++ = 'Z';
	if (!(out->p = sput(pg, (size_t)(o - t) + 1)))
		return -1;
	memcpy((char *)out->p, t, (size_t)(o - t));
	out->t = V_STR;
	out->len = (size_t)(o - t);
	out->esc = 0;
	return 0;
}

static int
call(struct map_program *pg, const struct node *n, const struct val *a,
     struct val *out)
{
	const char *p;
	size_t len, i;
	char *o;
	double f;
	int b;
	int64_t us;
	struct val iv;
	struct isotime it;

	*out = *a;
	if (a->t == V_ABSENT || a->t == V_NULL)
		return 0; /* casts and functions keep absent and null */
	switch (n->fn) {
	case F_INT:
	case F_BIGINT:
		if (integer_text(pg, a, n->fn == F_INT ? 32 : 64, out) < 0)
			return pg->overflow
				       ? -1
				       : cast_fail(pg, a, "not %s",
						   n->fn == F_INT ? "an int"
								  : "a bigint");
		return 0;
	case F_NUMERIC:
		/* a number, or a string of one (its text), or of NaN and the
		 * infinities (a string, as the contract writes them) */
		if (a->t == V_STR && bytes_of(pg, a, &p, &len) < 0)
			return -1;
		if (a->t == V_STR && is_nonfinite(p, len, &f)) {
			out->p = p;
			out->len = len;
			out->esc = 0;
			return 0;
		}
		if (number_of(pg, a, &p, &len) < 0)
			return pg->overflow ? -1
					    : cast_fail(pg, a, "not a numeric");
		out->t = V_NUM;
		out->p = p;
		out->len = len;
		out->esc = 0;
		return 0;
	case F_FLOAT:
		if (a->t == V_STR && bytes_of(pg, a, &p, &len) < 0)
			return -1;
		if (a->t == V_STR && is_nonfinite(p, len, &f)) {
			/* as it is */
		} else if (number_of(pg, a, &p, &len) < 0) {
			return pg->overflow ? -1
					    : cast_fail(pg, a, "not a float");
		} else {
			errno = 0;
			f = json_number_double(p, len);
			if (errno == ERANGE && (f == 0 || isinf(f)) &&
			    numcmp(p, len, "0", 1, &pg->tmp2) != 0)
				return cast_fail(pg, a,
						 "out of range for a float");
		}
		buf_reset(&pg->tmp);
		json_write_double(&pg->tmp, f);
		if (!(o = sput(pg, pg->tmp.len + 1)))
			return -1;
		memcpy(o, pg->tmp.data, pg->tmp.len);
		out->p = o;
		out->len = pg->tmp.len;
		out->esc = 0;
		/* NaN and infinities come back as strings, as the contract says
		 */
		if (o[0] == '"') {
			out->t = V_STR;
			out->p = o + 1;
			out->len -= 2;
		} else {
			out->t = V_NUM;
		}
		return 0;
	case F_BOOL:
		if (a->t == V_TRUE || a->t == V_FALSE)
			return 0;
		if (a->t == V_NUM && a->len == 1 &&
		    (a->p[0] == '0' || a->p[0] == '1')) {
			out->t = a->p[0] == '1' ? V_TRUE : V_FALSE;
			return 0;
		}
		if (a->t == V_STR && bytes_of(pg, a, &p, &len) < 0)
			return -1;
		if (a->t == V_STR && parse_bool(p, len, &b) == 0) {
			out->t = b ? V_TRUE : V_FALSE;
			return 0;
		}
		return cast_fail(pg, a, "not a boolean");
	case F_TEXT:
		/* a string as it is; any other value's text */
		if (a->t == V_STR)
			return 0;
		if (text_of(pg, a, &p, &len) < 0)
			return -1;
		out->t = V_STR;
		out->p = p;
		out->len = len;
		out->esc = 0;
		return 0;
	case F_JSON:
		/* the value's JSON text, as a string */
		if (a->t != V_STR) {
			if (text_of(pg, a, &p, &len) < 0)
				return -1;
		} else {
			buf_reset(&pg->tmp2);
			buf_addch(&pg->tmp2, '"');
			if (a->esc)
				buf_add(&pg->tmp2, a->p, a->len);
			else
				json_write_string_body(&pg->tmp2, a->p, a->len);
			buf_addch(&pg->tmp2, '"');
			if (keep(pg, &pg->tmp2, V_STR, &iv) < 0)
				return -1;
			p = iv.p;
			len = iv.len;
		}
		out->t = V_STR;
		out->p = p;
		out->len = len;
		out->esc = 0;
		return 0;
	case F_TIMESTAMP:
		if (a->t != V_STR)
			return cast_fail(pg, a, "not an ISO 8601 timestamp");
		if (bytes_of(pg, a, &p, &len) < 0)
			return -1;
		if (isotime_parse(p, len, 0, &it) < 0)
			return cast_fail(pg, a, "not an ISO 8601 timestamp");
		if (put_utc(pg, it.usec - (int64_t)it.zone_sec * 1000000,
			    it.has_zone, out) < 0)
			return pg->overflow ? -1
					    : cast_fail(pg, a, "out of range");
		return 0;
	case F_EPOCH_S:
	case F_EPOCH_MS:
	case F_EPOCH_US: {
		/* an integer count of units since 1970, exactly */
		int64_t mul = n->fn == F_EPOCH_S    ? 1000000
			      : n->fn == F_EPOCH_MS ? 1000
						    : 1;
		if (integer_text(pg, a, 64, &iv) < 0)
			return pg->overflow ? -1
					    : cast_fail(pg, a, "not an epoch");
		errno = 0;
		us = strtoll(iv.p, NULL, 10);
		if (us > INT64_MAX / mul || us < INT64_MIN / mul ||
		    put_utc(pg, us * mul, 1, out) < 0)
			return pg->overflow ? -1
					    : cast_fail(pg, a, "out of range");
		return 0;
	}
	case F_CONCAT:
	case F_NULLIF:
	case F_SPLIT:
	case F_OBJECT:
		break; /* eval does these: they take more than one value */
	case F_FROM_BASE64:
		/* the bytes: a string when they are UTF-8, else $binary */
		if (a->t != V_STR)
			return cast_fail(pg, a, "not a string");
		if (bytes_of(pg, a, &p, &len) < 0)
			return -1;
		buf_reset(&pg->tmp2);
		if (b64_decode(&pg->tmp2, p, len) < 0)
			return cast_fail(pg, a, "not base64");
		if (utf8_valid_prefix(pg->tmp2.data, pg->tmp2.len) ==
		    pg->tmp2.len)
			return keep(pg, &pg->tmp2, V_STR, out);
		buf_reset(&pg->tmp);
		json_write_binary(&pg->tmp, pg->tmp2.data, pg->tmp2.len, 0);
		return keep(pg, &pg->tmp, V_JSON, out);
	case F_PARSE_JSON: {
		/* the value a string's text is, keys as the contract escapes */
		struct json_error je;
		enum json_type jt;
		const char *q;
		size_t ql;
		if (a->t != V_STR)
			return cast_fail(pg, a, "not a string");
		if (bytes_of(pg, a, &p, &len) < 0)
			return -1;
		if (json_validate(p, len, &jt, &je) < 0)
			return cast_fail(pg, a, "not JSON (%s at byte %zu)",
					 je.msg, je.offset + 1);
		/* a key twice, as in a record: which one is meant is unknown */
		if ((jt == JSON_OBJECT || jt == JSON_ARRAY) &&
		    (q = keyset_deep_duplicate(&pg->deep, p, len, &ql))) {
			buf_reset(&pg->tmp2);
			json_write_string_body(&pg->tmp2, q, ql);
			return cast_fail(
				pg, a, "duplicate key \"%.*s\"",
				(int)(pg->tmp2.len > 60 ? 60 : pg->tmp2.len),
				pg->tmp2.data);
		}
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++, len--;
		while (p[len - 1] == ' ' || p[len - 1] == '\t' ||
		       p[len - 1] == '\n' || p[len - 1] == '\r')
			len--;
		out->esc = 0;
		out->p = p;
		out->len = len;
		switch (jt) {
		case JSON_NULL:
			out->t = V_NULL;
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			out->t = jt == JSON_TRUE ? V_TRUE : V_FALSE;
			break;
		case JSON_NUMBER:
			out->t = V_NUM;
			break;
		case JSON_STRING:
			out->t = V_STR;
			out->p = p + 1;
			out->len = len - 2;
			out->esc = memchr(out->p, '\\', out->len) != NULL;
			break;
		default:
			out->t = V_JSON;
			if (json_escape_keys(&pg->tmp, p, len))
				return keep(pg, &pg->tmp, V_JSON, out);
		}
		return 0;
	}
	case F_MD5: {
		/* of the text: a string's bytes, any other value's JSON text */
		char hex[33];
		if (text_of(pg, a, &p, &len) < 0)
			return -1;
		md5_hex(p, len, hex);
		if (!(o = sput(pg, 33)))
			return -1;
		memcpy(o, hex, 33);
		out->t = V_STR;
		out->p = o;
		out->len = 32;
		out->esc = 0;
		return 0;
	}
	case F_LOWER:
	case F_UPPER:
	case F_TRIM:
		if (a->t != V_STR)
			return cast_fail(pg, a, "not a string");
		if (bytes_of(pg, a, &p, &len) < 0)
			return -1;
		if (n->fn == F_TRIM) {
			while (len && (*p == ' ' || *p == '\t' || *p == '\n' ||
				       *p == '\r'))
				p++, len--;
			while (len &&
			       (p[len - 1] == ' ' || p[len - 1] == '\t' ||
				p[len - 1] == '\n' || p[len - 1] == '\r'))
				len--;
			out->p = p;
			out->len = len;
			out->esc = 0;
			return 0;
		}
		if (!(o = sput(pg, len + 1)))
			return -1;
		for (i = 0; i < len; i++) /* ASCII letters only */
			o[i] = (char)(n->fn == F_LOWER
					      ? (p[i] >= 'A' && p[i] <= 'Z'
							 ? p[i] + 32
							 : p[i])
					      : (p[i] >= 'a' && p[i] <= 'z'
							 ? p[i] - 32
							 : p[i]));
		out->p = o;
		out->len = len;
		out->esc = 0;
		return 0;
	}
	return 0;
}

static int
eval(struct map_program *pg, const struct node *n, const char *rec, size_t len,
     struct val *out)
{
	struct val a;
	int t;

	switch (n->kind) {
	case N_PATH:
		*out = lookup(pg, n, rec, len);
		return 0;
	case N_LIT:
		*out = n->lit;
		return 0;
	case N_CAPTURE:
		*out = pg->capval[n->cap];
		return 0;
	case N_ELEMKEY:
		if (!pg->has_elemkey) {
			out->t = V_ABSENT;
			return 0;
		}
		/* the member's name as data: "$$x" is the name "$x" (the
		 * others keep their escapes, as strings do) */
		*out = of_json(&pg->elemkey);
		if (out->len && (out->p[0] == '$' || out->p[0] == '\\')) {
			struct val d;
			if (bytes_of(pg, out, &d.p, &d.len) < 0)
				return -1;
			if (d.len >= 2 && d.p[0] == '$' && d.p[1] == '$') {
				out->p = d.p + 1;
				out->len = d.len - 1;
				out->esc = 0;
			}
		}
		return 0;
	case N_ELEMINDEX: {
		char *o = sput(pg, 24);
		if (!o)
			return -1;
		out->t = V_NUM;
		out->p = o;
		out->len = (size_t)snprintf(o, 24, "%ld", pg->elemindex);
		out->esc = 0;
		return 0;
	}
	case N_REST: {
		/* the record's fields no column's path reads, as an object */
		const struct block *b = pg->cur;
		size_t i, total = 2;
		int k, first = 1;
		char *o, *w;
		const struct map_member *m;

		for (i = 0; i < pg->nmem; i++)
			total += pg->mem[i].klen + pg->mem[i].v.len + 6;
		if (!(o = sput(pg, total)))
			return -1;
		w = o;
		*w++ = '{';
		for (i = 0; i < pg->nmem; i++) {
			m = &pg->mem[i];
			if (key_is(m->k, m->klen, m->kesc, "$table", 6,
				   &pg->tmp))
				continue; /* the routing field is no column */
			for (k = 0; b && k < b->nused; k++)
				if (key_is(m->k, m->klen, m->kesc,
					   b->used[k]->key, b->used[k]->keylen,
					   &pg->tmp))
					break;
			if (b && k < b->nused)
				continue;
			if (!first)
				*w++ = ',';
			first = 0;
			*w++ = '"';
			memcpy(w, m->k, m->klen);
			w += m->klen;
			*w++ = '"';
			*w++ = ':';
			k = m->v.type == JSON_STRING;
			memcpy(w, m->v.p - k, m->v.len + 2 * (size_t)k);
			w += m->v.len + 2 * (size_t)k;
		}
		*w++ = '}';
		out->t = V_JSON;
		out->p = o;
		out->len = (size_t)(w - o);
		out->esc = 0;
		return 0;
	}
	case N_SUB: {
		struct json_value cur;
		if (eval(pg, n->a, rec, len, &a) < 0)
			return -1;
		out->t = V_ABSENT;
		if (a.t != V_JSON)
			return 0; /* nothing to go into: absent, as a path */
		cur.type = a.p[0] == '{' ? JSON_OBJECT : JSON_ARRAY;
		cur.p = a.p;
		cur.len = a.len;
		*out = walk(pg, n, 0, cur);
		return 0;
	}
	case N_ARITH:
		return arith(pg, n, rec, len, out);
	case N_DEFAULT:
		if (eval(pg, n->a, rec, len, out) < 0)
			return -1;
		if (out->t == V_ABSENT || out->t == V_NULL)
			return eval(pg, n->b, rec, len, out);
		return 0;
	case N_CALL:
		if (n->fn == F_NULLIF) {
			/* null when the two are equal, as == says */
			if ((t = compare(pg, n, rec, len)) < 0)
				return -1;
			if (t) {
				out->t = V_NULL;
				return 0;
			}
			return eval(pg, n->a, rec, len, out);
		}
		if (n->fn == F_CONCAT)
			return concat(pg, n, rec, len, out);
		if (n->fn == F_OBJECT)
			return object(pg, n, rec, len, out);
		if (n->fn == F_SPLIT)
			return split(pg, n, rec, len, out);
		if (eval(pg, n->a, rec, len, &a) < 0)
			return -1;
		return call(pg, n, &a, out);
	default:
		if ((t = truth(pg, n, rec, len)) < 0)
			return -1;
		out->t = t ? V_TRUE : V_FALSE;
		out->p = NULL;
		out->len = 0;
		return 0;
	}
}

/*
 * concat(a, b, ...): the text of each value, nulls and absent values
 * left out (as PostgreSQL's concat does); a string.
 */
static int
concat(struct map_program *pg, const struct node *n, const char *rec,
       size_t len, struct val *out)
{
	struct val v[64];
	const char *p[64];
	size_t l[64], total = 0;
	int i, k = 0, nv = n->nargs + 1;
	char *o;

	if (nv > 64) {
		snprintf(pg->why, sizeof(pg->why), "concat() of more than 64");
		return -1;
	}
	for (i = 0; i < nv; i++) {
		if (eval(pg, i ? n->args[i - 1] : n->a, rec, len, &v[i]) < 0)
			return -1;
		switch (v[i].t) {
		case V_ABSENT:
		case V_NULL:
			continue;
		default:
			if (text_of(pg, &v[i], &p[k], &l[k]) < 0)
				return -1;
		}
		total += l[k++];
	}
	if (!(o = sput(pg, total + 1)))
		return -1;
	out->t = V_STR;
	out->p = o;
	out->len = total;
	out->esc = 0;
	for (i = 0; i < k; i++) {
		memcpy(o, p[i], l[i]);
		o += l[i];
	}
	return 0;
}

/*
 * object(name, value, ...): an object of these members, in this order;
 * a member whose value is absent left out (nothing is invented), names as
 * the contract writes data keys, the same name twice refused.
 */
static int
object(struct map_program *pg, const struct node *n, const char *rec,
       size_t len, struct val *out)
{
	struct val v[64];
	const char *p[32];
	size_t l[32];
	int i, k, nv = n->a ? n->nargs + 1 : 0;

	if (nv > 64) {
		snprintf(pg->why, sizeof(pg->why), "object() of more than 32");
		return -1;
	}
	for (i = 0; i < nv; i++)
		if (eval(pg, i ? n->args[i - 1] : n->a, rec, len, &v[i]) < 0)
			return -1;
	for (i = 0; i < nv; i += 2) {
		if (v[i].t != V_STR)
			return cast_fail(pg, &v[i],
					 "object(): a name that is "
					 "not a string");
		if (bytes_of(pg, &v[i], &p[i / 2], &l[i / 2]) < 0)
			return -1;
		for (k = 0; v[i + 1].t != V_ABSENT && k < i / 2; k++)
			if (l[k] == l[i / 2] && v[2 * k + 1].t != V_ABSENT &&
			    memcmp(p[k], p[i / 2], l[k]) == 0)
				return cast_fail(pg, &v[i],
						 "object(): the name twice");
	}
	buf_reset(&pg->tmp2);
	buf_addch(&pg->tmp2, '{');
	for (i = 0, k = 0; i < nv; i += 2) {
		if (v[i + 1].t == V_ABSENT)
			continue;
		if (k++)
			buf_addch(&pg->tmp2, ',');
		json_write_key(&pg->tmp2, p[i / 2], l[i / 2]);
		buf_addch(&pg->tmp2, ':');
		put_val(&pg->tmp2, &v[i + 1]);
	}
	buf_addch(&pg->tmp2, '}');
	return keep(pg, &pg->tmp2, V_JSON, out);
}

/*
 * a + b, a - b, a * b: whole numbers of 64 bits (numbers, or strings of
 * one, as bigint() takes them), exactly; absent when a side is absent, else
 * null when a side is null; a result beyond 64 bits fails.
 */
static int
arith(struct map_program *pg, const struct node *n, const char *rec, size_t len,
      struct val *out)
{
	struct val a, b, ia, ib;
	long long x, y, r;
	int over;
	char *o;

	if (eval(pg, n->a, rec, len, &a) < 0 ||
	    eval(pg, n->b, rec, len, &b) < 0)
		return -1;
	if (a.t == V_ABSENT || b.t == V_ABSENT || a.t == V_NULL ||
	    b.t == V_NULL) {
		out->t = a.t == V_ABSENT || b.t == V_ABSENT ? V_ABSENT : V_NULL;
		out->p = NULL;
		out->len = 0;
		out->esc = 0;
		return 0;
	}
	if (integer_text(pg, &a, 64, &ia) < 0)
		return pg->overflow
			       ? -1
			       : cast_fail(pg, &a, "%c takes whole numbers",
					   n->op);
	if (integer_text(pg, &b, 64, &ib) < 0)
		return pg->overflow
			       ? -1
			       : cast_fail(pg, &b, "%c takes whole numbers",
					   n->op);
	x = strtoll(ia.p, NULL, 10);
	y = strtoll(ib.p, NULL, 10);
	over = n->op == '+'   ? __builtin_add_overflow(x, y, &r)
	       : n->op == '-' ? __builtin_sub_overflow(x, y, &r)
			      : __builtin_mul_overflow(x, y, &r);
	if (over) {
		snprintf(pg->why, sizeof(pg->why),
			 "%lld %c %lld is beyond 64 bits", x, n->op, y);
		return -1;
	}
	if (!(o = sput(pg, 24)))
		return -1;
	out->t = V_NUM;
	out->p = o;
	out->len = (size_t)snprintf(o, 24, "%lld", r);
	out->esc = 0;
	return 0;
}

/* split(s, sep): a string cut at each sep, as a JSON array of strings. */
static int
split(struct map_program *pg, const struct node *n, const char *rec, size_t len,
      struct val *out)
{
	struct val s, sep;
	const char *p, *q, *d, *end;
	size_t pl, dl;

	if (eval(pg, n->a, rec, len, &s) < 0 ||
	    eval(pg, n->b, rec, len, &sep) < 0)
		return -1;
	*out = s;
	if (s.t == V_ABSENT || s.t == V_NULL)
		return 0;
	if (sep.t == V_ABSENT || sep.t == V_NULL) {
		*out = sep; /* no separator: no answer, as no string */
		return 0;
	}
	if (s.t != V_STR || sep.t != V_STR)
		return cast_fail(pg, s.t != V_STR ? &s : &sep, "not a string");
	if (bytes_of(pg, &s, &p, &pl) < 0 || bytes_of(pg, &sep, &d, &dl) < 0)
		return -1;
	if (dl == 0)
		return cast_fail(pg, &sep, "split() by an empty separator");
	buf_reset(&pg->tmp);
	buf_addch(&pg->tmp, '[');
	for (end = p + pl;; p = q + dl) {
		q = memmem(p, (size_t)(end - p), d, dl);
		json_write_string(&pg->tmp, p, (size_t)((q ? q : end) - p));
		if (!q)
			break;
		buf_addch(&pg->tmp, ',');
	}
	buf_addch(&pg->tmp, ']');
	return keep(pg, &pg->tmp, V_JSON, out);
}

static void
put_val(struct buf *out, const struct val *v)
{
	switch (v->t) {
	case V_NULL:
	case V_ABSENT:
		buf_adds(out, "null");
		break;
	case V_TRUE:
		buf_adds(out, "true");
		break;
	case V_FALSE:
		buf_adds(out, "false");
		break;
	case V_STR:
		if (v->esc) {
			buf_addch(out, '"');
			buf_add(out, v->p, v->len);
			buf_addch(out, '"');
		} else {
			json_write_string(out, v->p, v->len);
		}
		break;
	case V_JSON: /* as the input had it, but for white space */
		json_compact(out, v->p, v->len);
		break;
	default:
		buf_add(out, v->p, v->len);
		break;
	}
}

/* Was this top-level key assigned, or dropped? */
static int
taken(const struct block *b, const struct map_member *m, struct buf *tmp)
{
	int i;

	for (i = 0; i < b->ndrop; i++)
		if (key_is(m->k, m->klen, m->kesc, b->drop[i], b->droplen[i],
			   tmp))
			return 1;
	for (i = 0; i < b->nas; i++)
		if (key_is(m->k, m->klen, m->kesc, b->as[i].name,
			   b->as[i].namelen, tmp))
			return 1;
	return 0;
}

/* What kind of value v is, for a message. */
static const char *
kind_of(const struct val *v)
{
	switch (v->t) {
	case V_STR:
		return "a string";
	case V_NUM:
		return "a number";
	case V_TRUE:
	case V_FALSE:
		return "a boolean";
	case V_JSON:
		return v->p[0] == '[' ? "an array" : "an object";
	default:
		return "null";
	}
}

/* Is name one of the block's columns (not a flatten)? */
static int
is_column(const struct block *b, const char *k, size_t klen, int kesc,
	  struct buf *tmp)
{
	int i;

	for (i = 0; i < b->nas; i++)
		if (!b->as[i].flatten &&
		    key_is(k, klen, kesc, b->as[i].name, b->as[i].namelen, tmp))
			return 1;
	return 0;
}

/*
 * Is a member's key one of data, as ndjson-migrate(7) writes them: not
 * one that begins with a single '$' ("$table"), but for "$binary:..." (a
 * name of bytes that are not UTF-8, in base64)?
 */
static int
is_data_key(struct map_program *pg, const struct json_value *k)
{
	const char *p = k->p;
	size_t n = k->len;

	if (!n || (p[0] != '$' && p[0] != '\\'))
		return 1;
	if (k->escaped) {
		buf_reset(&pg->tmp);
		json_unescape(&pg->tmp, p, n);
		p = pg->tmp.data;
		n = pg->tmp.len;
	}
	return json_data_key(&p, &n) ||
	       (n > 8 && memcmp(p, "$binary:", 8) == 0);
}

/*
 * flatten EXPR: the members of an object as columns, those the block
 * assigns left out; -1 when the value is something else (why).
 */
static int
flatten(struct map_program *pg, const struct block *b, const struct val *v,
	struct buf *out, int *first)
{
	struct json_value obj = {.type = JSON_OBJECT, .p = v->p, .len = v->len},
			  k, m;
	struct json_iter it;
	struct json_error je;
	int q;

	if (v->t == V_ABSENT || v->t == V_NULL)
		return 0;
	if (v->t != V_JSON || v->p[0] != '{') {
		snprintf(pg->why, sizeof(pg->why), "%s, not an object",
			 kind_of(v));
		return -1;
	}
	json_object_open_value(&it, &obj);
	while (json_object_next(&it, &k, &m, &je) > 0) {
		if (!is_data_key(pg, &k)) {
			/* "$table" would route the record: never hoisted */
			buf_reset(&pg->tmp2);
			json_unescape(&pg->tmp2, k.p, k.len);
			buf_reset(&pg->tmp);
			json_write_string_body(&pg->tmp, pg->tmp2.data,
					       pg->tmp2.len);
			snprintf(pg->why, sizeof(pg->why),
				 "key \"%.*s\" is the contract's, not data "
				 "(a data key that begins with $ is written "
				 "with one more)",
				 (int)(pg->tmp.len > 60 ? 60 : pg->tmp.len),
				 pg->tmp.data);
			return -1;
		}
		if (is_column(b, k.p, k.len, k.escaped, &pg->tmp))
			continue;
		if (!*first)
			buf_addch(out, ',');
		*first = 0;
		buf_addch(out, '"');
		buf_add(out, k.p, k.len);
		buf_adds(out, "\":");
		q = m.type == JSON_STRING;
		buf_add(out, m.p - q, m.len + 2 * (size_t)q);
	}
	return 0;
}

/* After a flatten: a name written twice, or NULL. */
static const char *
twice(struct map_program *pg, const char *rec, size_t len, size_t *dlen)
{
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;

	keyset_reset(&pg->ks);
	if (json_object_open(&it, rec, len, &je) < 0)
		return NULL;
	while (json_object_next(&it, &k, &v, &je) > 0)
		if (keyset_add(&pg->ks, k.p, k.len, k.escaped) < 0)
			abort();
	return keyset_duplicate(&pg->ks, dlen);
}

/*
 * One record of a block (or of an element it explodes): 1 written
 * (without a newline), 0 filtered out by a where, -1 rejected (why), -2
 * scratch space ran out.
 */
static int
run_one(struct map_program *pg, const struct block *b, const char *rec,
	size_t len, struct buf *out, char *why, size_t whylen)
{
	struct val val;
	size_t mark = out->len, i, dlen;
	const char *dup;
	int r, first = 1;

	for (i = 0; i < (size_t)b->nwhere; i++) {
		r = truth(pg, b->where[i], rec, len);
		if (r < 0)
			goto fail;
		if (r == 0)
			return 0;
	}
	buf_addch(out, '{');
	if (b->table) {
		buf_add(out, b->tag.data, b->tag.len);
		first = 0;
	}
	/* with no column assigned, the record's own fields go out */
	if (b->keep || b->nas == 0)
		for (i = 0; i < pg->nmem; i++) {
			if (taken(b, &pg->mem[i], &pg->tmp))
				continue;
			if (!first)
				buf_addch(out, ',');
			first = 0;
			buf_addch(out, '"');
			buf_add(out, pg->mem[i].k, pg->mem[i].klen);
			buf_adds(out, "\":");
			json_compact(
				out,
				pg->mem[i].v.p -
					(pg->mem[i].v.type == JSON_STRING),
				pg->mem[i].v.len +
					2 * (pg->mem[i].v.type == JSON_STRING));
		}
	for (i = 0; i < (size_t)b->nas; i++) {
		struct assign *a = &b->as[i];
		if (eval(pg, a->expr, rec, len, &val) < 0) {
			if (pg->overflow)
				return -2;
			if (a->on_error == ON_REJECT) {
				pg->why_col = a->name;
				goto fail;
			}
			val = (struct val){V_NULL, 0, 0, 0};
			if (a->on_error == ON_VALUE &&
			    eval(pg, a->fallback, rec, len, &val) < 0) {
				if (pg->overflow)
					return -2;
				pg->why_col = a->name;
				goto fail;
			}
		}
		if (a->flatten) {
			if (flatten(pg, b, &val, out, &first) < 0) {
				pg->why_col = NULL;
				snprintf(why, whylen, "flatten: %s", pg->why);
				buf_setlen(out, mark);
				return -1;
			}
			continue;
		}
		if (val.t == V_ABSENT)
			continue; /* nothing is invented */
		if (!first)
			buf_addch(out, ',');
		first = 0;
		buf_add(out, a->key.data, a->key.len);
		put_val(out, &val);
	}
	buf_addch(out, '}');
	if (b->nflatten &&
	    (dup = twice(pg, out->data + mark, out->len - mark, &dlen))) {
		buf_reset(&pg->tmp);
		json_write_string_body(&pg->tmp, dup, dlen);
		snprintf(why, whylen, "flatten: column \"%.*s\" twice",
			 (int)(pg->tmp.len > 200 ? 200 : pg->tmp.len),
			 pg->tmp.data);
		buf_setlen(out, mark);
		return -1;
	}
	return 1;
fail:
	buf_setlen(out, mark);
	if (pg->overflow)
		return -2;
	if (pg->why_col)
		snprintf(why, whylen, "column %s: %s", pg->why_col, pg->why);
	else
		snprintf(why, whylen, "where: %s", pg->why);
	return -1;
}

/*
 * A block's records, each with its newline: one, or with explode one for
 * each element of the array (or member of the object) that its wheres
 * keep.  Returns how many, -1 rejected (why), -2 out of scratch space.
 */
static int
run_block(struct map_program *pg, const struct block *b, const char *rec,
	  size_t len, struct buf *out, char *why, size_t whylen)
{
	struct json_value arr, v;
	struct json_iter it;
	struct json_error je;
	struct val list;
	size_t mark = out->len;
	int r, n = 0, obj;

	pg->cur = b;
	if (!b->explode) {
		r = run_one(pg, b, rec, len, out, why, whylen);
		if (r == 1)
			buf_addch(out, '\n');
		return r;
	}
	list = lookup(pg, b->explode, rec, len);
	if (list.t == V_ABSENT || list.t == V_NULL)
		return 0;
	if (list.t != V_JSON) {
		snprintf(why, whylen, "explode: %s, not an array or object",
			 kind_of(&list));
		return -1;
	}
	obj = list.p[0] == '{';
	arr = (struct json_value){.type = obj ? JSON_OBJECT : JSON_ARRAY,
				  .p = list.p,
				  .len = list.len};
	if (obj)
		json_object_open_value(&it, &arr);
	else
		json_array_open(&it, &arr);
	pg->has_elemkey = obj;
	/* each element starts from the captures its table's when made */
	if (pg->ncap)
		memcpy(pg->capsave, pg->capval,
		       (size_t)pg->ncap * sizeof(*pg->capval));
	for (pg->elemindex = 0;; pg->elemindex++) {
		if ((obj ? json_object_next(&it, &pg->elemkey, &v, &je)
			 : json_array_next(&it, &v)) <= 0)
			break;
		pg->elem = v;
		if (pg->ncap)
			memcpy(pg->capval, pg->capsave,
			       (size_t)pg->ncap * sizeof(*pg->capval));
		r = run_one(pg, b, rec, len, out, why, whylen);
		if (r < 0) {
			buf_setlen(out, mark);
			return r;
		}
		if (r == 1) {
			buf_addch(out, '\n');
			n++;
		}
	}
	return n;
}

/*
 * The record through the blocks: with tables, the records of each table
 * whose when holds; none taking it is what unmatched says.  Returns the
 * records written (each with its newline), 0 when none is and that is
 * fine (filtered), -1 rejected (why), -2 out of scratch space.
 */
static int
run_all(struct map_program *pg, const char *rec, size_t len, struct buf *out,
	char *why, size_t whylen)
{
	static const struct block all; /* no column: the record's fields */
	const struct block *b;
	int i, k, r, n = 0, matched = 0;

	for (k = 0; k < pg->ncap; k++)
		pg->capval[k] = (struct val){.t = V_ABSENT};
	if (pg->nblk == 1)
		return run_block(pg, &pg->blk[0], rec, len, out, why, whylen);
	for (k = 0; k < pg->blk[0].nwhere; k++) {
		r = truth(pg, pg->blk[0].where[k], rec, len);
		if (r < 0 && pg->overflow)
			return -2;
		if (r < 0) {
			snprintf(why, whylen, "where: %s", pg->why);
			return -1;
		}
		if (r == 0)
			return 0;
	}
	for (i = 1; i < pg->nblk; i++) {
		b = &pg->blk[i];
		for (k = 0; k < pg->ncap; k++)
			pg->capval[k] = (struct val){.t = V_ABSENT};
		if (b->when) {
			r = truth(pg, b->when, rec, len);
			if (r < 0 && pg->overflow)
				return -2;
			if (r < 0) {
				snprintf(why, whylen, "table %s: when: %s",
					 b->table, pg->why);
				return -1;
			}
			if (r == 0)
				continue;
		}
		matched++;
		r = run_block(pg, b, rec, len, out, why, whylen);
		if (r < 0)
			return r;
		n += r;
	}
	if (matched > 0)
		return n; /* taken, though maybe filtered to nothing */
	switch (pg->unmatched) {
	case UNMATCHED_DROP:
		return 0;
	case UNMATCHED_PASS:
		return run_block(pg, &all, rec, len, out, why, whylen);
	default:
		snprintf(why, whylen, "no table matched");
		return -1;
	}
}

int
map_run(struct map_program *pg, const char *rec, size_t len,
	const struct map_member *mem, size_t nmem, struct buf *out, char *why,
	size_t whylen)
{
	size_t room = 8 * len + 65536, mark = out->len;
	int r;

	pg->mem = mem;
	pg->nmem = nmem;
	for (r = 0; r < pg->nblk; r++) {
		struct block *b = &pg->blk[r];
		if (b->used_ready)
			continue;
		for (int i = 0; i < b->nas; i++)
			collect_used(b, b->as[i].expr);
		collect_used(b, b->explode);
		b->used_ready = 1;
	}

	for (;;) {
		buf_reset(&pg->scratch);
		buf_grow(&pg->scratch, room);
		pg->overflow = 0;
		pg->why_col = NULL;
		r = run_all(pg, rec, len, out, why, whylen);
		if (r == -1)
			buf_setlen(out,
				   mark); /* nothing of a rejected record */
		if (r != -2 && !pg->overflow)
			return r;
		buf_setlen(out, mark);
		room *= 4;
	}
}
