/* errinfo: fill a caller-owned error description. */
#include "errinfo.h"

#include <stdarg.h>
#include <stdio.h>

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}
