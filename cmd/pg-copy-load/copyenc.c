/* copyenc.c: JSON values into PostgreSQL COPY text format, per column kind. */
#include "copyenc.h"

#include <string.h>

/*
 * COPY text escapes: backslash, newline, carriage return and tab (the
 * delimiter).  NUL cannot travel at all: the caller has checked.
 */
static void
copy_escape(struct buf *out, const char *p, size_t n)
{
	const char *end = p + n, *q;

	while (p < end) {
		for (q = p; q < end && *q != '\\' && *q != '\n' && *q != '\r' &&
			    *q != '\t';
		     q++)
			;
		buf_add(out, p, (size_t)(q - p));
		if (q == end)
			return;
		buf_addch(out, '\\');
		buf_addch(out, *q == '\\'   ? '\\'
			       : *q == '\n' ? 'n'
			       : *q == '\r' ? 'r'
					    : 't');
		p = q + 1;
	}
}

static const char hex[] = "0123456789abcdef";

/*
 * Words PostgreSQL's date and time input takes for a time that depends on
 * when the row is loaded (now, today), or for infinity: why a value is
 * refused, or NULL.  'epoch' and 'allballs' are fixed and pass.
 */
static const char *
time_word(const struct json_value *v, enum col_kind kind)
{
	static const char *const moving[] = {"now", "today", "tomorrow",
					     "yesterday", NULL};
	const char *p = v->p, *end = v->p + v->len;
	char w[16];
	size_t n = 0;
	int i;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - p >= (long)sizeof(w))
		return NULL;
	for (; p < end; p++)
		w[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	w[n] = '\0';
	for (i = 0; moving[i]; i++)
		if (strcmp(w, moving[i]) == 0)
			return "a time that depends on when the row is loaded "
			       "(now, today, tomorrow, yesterday)";
	if (kind == KIND_TIME &&
	    (strcmp(w, "infinity") == 0 || strcmp(w, "-infinity") == 0 ||
	     strcmp(w, "+infinity") == 0))
		return "infinity is no date or time (--infinity takes it)";
	return NULL;
}

/* Bytes as a bytea hex literal, COPY-escaped: exactly these bytes load. */
static void
bytea_hex(struct buf *out, const char *p, size_t n)
{
	size_t i;

	buf_grow(out, 3 + 2 * n);
	buf_add(out, "\\\\x", 3);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		out->data[out->len++] = hex[c >> 4];
		out->data[out->len++] = hex[c & 15];
	}
	buf_setlen(out, out->len);
}

/* A PostgreSQL array literal for a JSON array, not yet COPY-escaped. */
static int
array_literal(struct buf *lit, const struct json_value *v, struct buf *tmp,
	      const char **why)
{
	struct json_iter it;
	struct json_value el;
	size_t i;
	int first = 1;

	json_array_open(&it, v);
	buf_addch(lit, '{');
	while (json_array_next(&it, &el) > 0) {
		if (!first)
			buf_addch(lit, ',');
		first = 0;
		switch (el.type) {
		case JSON_NULL:
			buf_adds(lit, "NULL");
			break;
		case JSON_ARRAY:
			if (array_literal(lit, &el, tmp, why) < 0)
				return -1;
			break;
		case JSON_STRING:
		case JSON_OBJECT:
			buf_reset(tmp);
			if (el.type == JSON_STRING)
				json_unescape(tmp, el.p, el.len);
			else if (!json_unescape_keys(tmp, el.p, el.len))
				buf_add(tmp, el.p, el.len);
			if (memchr(tmp->data, '\0', tmp->len)) {
				*why = "string holds \\u0000, which PostgreSQL "
				       "text cannot store";
				return -1;
			}
			buf_addch(lit, '"');
			for (i = 0; i < tmp->len; i++) {
				if (tmp->data[i] == '"' || tmp->data[i] == '\\')
					buf_addch(lit, '\\');
				buf_addch(lit, tmp->data[i]);
			}
			buf_addch(lit, '"');
			break;
		default:
			buf_add(lit, el.p, el.len);
			break;
		}
	}
	buf_addch(lit, '}');
	return 0;
}

int
copy_value(struct buf *out, const struct json_value *v, enum col_kind kind,
	   struct buf *tmp, const char **why)
{
	struct buf lit = BUF_INIT;
	int r;

	if (kind == KIND_BYTEA && v->type != JSON_NULL &&
	    v->type != JSON_OBJECT) {
		/*
		 * not $binary: the value's own bytes (a string's UTF-8), never
		 * read by bytea's parser, where \\x41 would be one byte
		 */
		if (v->type != JSON_STRING) {
			bytea_hex(out, v->p, v->len);
		} else {
			buf_reset(tmp);
			json_unescape(tmp, v->p, v->len);
			bytea_hex(out, tmp->data, tmp->len);
		}
		return 0;
	}
	if ((kind == KIND_TIME || kind == KIND_TIME_INF) &&
	    v->type == JSON_STRING && (*why = time_word(v, kind)) != NULL)
		return -1;
	if ((kind == KIND_TIME || kind == KIND_TIME_INF) &&
	    v->type == JSON_NUMBER) {
		/* 20240101 would be read as a date, an epoch as nothing */
		*why = "a number is no date or time (ndjson-map's epoch_s, "
		       "epoch_ms and epoch_us convert epochs)";
		return -1;
	}
	switch (v->type) {
	case JSON_NULL:
		buf_add(out, "\\N", 2);
		return 0;
	case JSON_STRING:
		if (kind == KIND_JSON) {
			/* the string itself, quotes and escapes kept */
			copy_escape(out, v->p - 1, v->len + 2);
			return 0;
		}
		if (!v->escaped) {
			/* validated JSON: no control bytes, no backslash */
			buf_add(out, v->p, v->len);
			return 0;
		}
		buf_reset(tmp);
		json_unescape(tmp, v->p, v->len);
		if (memchr(tmp->data, '\0', tmp->len)) {
			*why = "string holds \\u0000, which PostgreSQL text "
			       "cannot store";
			return -1;
		}
		copy_escape(out, tmp->data, tmp->len);
		return 0;
	case JSON_OBJECT:
		if (kind == KIND_JSON)
			break;
		buf_reset(tmp);
		r = json_binary_decode(v, tmp);
		if (r < 0) {
			*why = "invalid $binary value";
			return -1;
		}
		if (r > 0) {
			if (kind != KIND_BYTEA) {
				*why = "binary value for a column that is not "
				       "bytea, json or jsonb";
				return -1;
			}
			bytea_hex(out, tmp->data, tmp->len);
			return 0;
		}
		if (kind == KIND_BYTEA) {
			bytea_hex(out, v->p, v->len);
			return 0;
		}
		break;
	case JSON_ARRAY:
		if (kind != KIND_ARRAY)
			break;
		r = array_literal(&lit, v, tmp, why);
		if (r == 0)
			copy_escape(out, lit.data, lit.len);
		buf_release(&lit);
		return r;
	default:
		/* numbers, true, false: their text */
		buf_add(out, v->p, v->len);
		return 0;
	}
	/* JSON text of an object or array, data keys as the data's */
	if (json_unescape_keys(tmp, v->p, v->len))
		copy_escape(out, tmp->data, tmp->len);
	else
		copy_escape(out, v->p, v->len);
	return 0;
}
