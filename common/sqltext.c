/* sqltext.c: quoted names and literals for SQL text. */
#include "sqltext.h"

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
