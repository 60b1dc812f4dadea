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
