create virtual table docs using fts5(body);
insert into docs values ('hello');
create virtual table boxes using rtree(id, minx, maxx);
create table notes (id integer primary key, body text);
insert into notes values (1, 'kept');
