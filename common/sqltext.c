/* sqltext.c: quoted names and literals for SQL text. */
#include "sqltext.h"

#include <string.h>

void
sql_ident(struct buf *b, const char *s, int fold)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addch(b, '"');
		buf_addch(b, fold && *s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	}
	buf_addch(b, '"');
}

size_t
sql_name_cut(const char *s, size_t n)
{
	if (n <= 63)
		return n;
	for (n = 63; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return n;
}

void
sql_literal(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addch(b, '\'');
		buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

static int
ident_char(unsigned char c)
{
	return c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Past the string that starts at p (after its opening quote), or NULL. */
static const char *
quoted_end(const char *p, char q, int backslash)
{
	for (; *p; p++) {
		if (backslash && *p == '\\' && p[1])
			p++;
		else if (*p == q && p[1] == q)
			p++;
		else if (*p == q)
			return p + 1;
	}
	return NULL;
}

const char *
sql_unbalanced(const char *s)
{
	const char *p = s, *tag, *end;
	size_t taglen;
	long depth = 0, nest;

	while (*p) {
		unsigned char prev = p > s ? (unsigned char)p[-1] : ' ';
		if (*p == '\'') {
			/* E'...' takes backslash escapes */
			int e = p > s && (p[-1] | 0x20) == 'e' &&
				(p - 1 == s ||
				 !ident_char((unsigned char)p[-2]));
			if (!(p = quoted_end(p + 1, '\'', e)))
				return "unterminated quoted string";
		} else if (*p == '"') {
			if (!(p = quoted_end(p + 1, '"', 0)))
				return "unterminated quoted identifier";
		} else if (*p == '$' && !ident_char(prev) &&
			   !(p[1] >= '0' && p[1] <= '9')) {
			/* $tag$ ... $tag$, tag empty or a name */
			for (tag = p + 1;
			     ident_char((unsigned char)*tag) && *tag != '$';
			     tag++)
				;
			if (*tag != '$') {
				p++;
				continue;
			}
			taglen = (size_t)(tag - p) + 1;
			for (end = tag + 1; *end; end++)
				if (strncmp(end, p, taglen) == 0)
					break;
			if (!*end)
				return "unterminated dollar-quoted string";
			p = end + taglen;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			for (nest = 1, p += 2; *p && nest; p++) {
				if (p[0] == '/' && p[1] == '*') {
					nest++;
					p++;
				} else if (p[0] == '*' && p[1] == '/') {
					nest--;
					p++;
				}
			}
			if (nest)
				return "unterminated comment";
		} else {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth < 0)
				return "unbalanced parentheses";
			p++;
		}
	}
	return depth ? "unbalanced parentheses" : NULL;
}
