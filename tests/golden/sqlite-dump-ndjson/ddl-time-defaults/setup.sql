CREATE TABLE t (
	id INTEGER PRIMARY KEY,
	a DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
	b TIMESTAMP DEFAULT (STRFTIME( '%Y-%m-%d %H:%M:%f' ,'NOW' )),
	c TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
	d DATETIME DEFAULT (datetime('now', 'localtime')),
	e DATETIME DEFAULT (datetime('now', '+1 day')),
	f REAL DEFAULT (julianday('now')),
	g DATETIME DEFAULT (datetime('2020-01-01', '+1 day')),
	h DATETIME DEFAULT CURRENT_TIMESTAMP,
	r INTEGER DEFAULT (random())
);
