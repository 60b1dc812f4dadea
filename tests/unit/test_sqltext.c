/* Unit tests for common/sqltext: sql_unbalanced over PostgreSQL's lexemes. */
#include <stddef.h>

#include "sqltext.h"
#include "test.h"

int
main(void)
{
	static const char *const good[] = {"id > 5",
					   "(a = 1) or (b = 2)",
					   "v = ')' and w = '(('",
					   "v = 'it''s )'",
					   "v = E'\\')'",
					   "\"odd)name\" = 1",
					   "\"a\"\")\" = 1",
					   "v = $$)$$",
					   "v = $t$ $$ ) $t$",
					   "a$b = $1",
					   "x = 1 -- )\n",
					   "x = 1 /* ) /* ( */ ) */",
					   "",
					   NULL};
	static const char *const bad[] = {"id <> 5) or (id = 5",
					  "true); DELETE FROM t WHERE (true",
					  "(a = 1",
					  "v = 'open",
					  "v = E'\\'",
					  "\"open",
					  "v = $t$ open",
					  "x /* open",
					  "x /* /* */",
					  NULL};
	int i;

	for (i = 0; good[i]; i++)
		CHECK(sql_unbalanced(good[i]) == NULL);
	for (i = 0; bad[i]; i++)
		CHECK(sql_unbalanced(bad[i]) != NULL);
	return TEST_REPORT();
}
