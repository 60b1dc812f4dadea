-- issue 29: each construct translated only when PostgreSQL behaves the same
create table seq (id integer primary key autoincrement, v text);
insert into seq (v) values ('a'), ('b'), ('c');
delete from seq where id >= 2;
create table neg (id integer primary key, v text);
insert into neg values (-5, 'x'), (-9, 'y');
create table "we""ird" ("I""d" integer primary key);
create table Par (id integer primary key, k text collate nocase unique, u int unique);
create table ch (a int, b int, c text references par(k), d int references par(nope),
  constraint f1 foreign key (a) references par(id) deferrable initially deferred,
  foreign key (b) references PAR(ID) deferrable);
create table oc (id int primary key on conflict replace, n text not null on conflict ignore default 'x',
  u text unique on conflict ignore, unique (n, u) on conflict rollback);
create table ck (i int, r real, t text, nc text collate nocase, d date,
  check (i is not 5), check (i not null), check (i < r = 1), check (i / 2 > 1), check (i % 3 <> 1),
  check (r * 0.1 <= 0.3), check (t || 'x' <> 'y'), check (upper(t) <> 'É'),
  check (nc in ('open', 'closed')), check (d > '2024-01-01'), check (t between 'A' and 'F'),
  check (i between -5 and 5 and t is not null and length(nc) > 0), check (r > 0.10000000000000000001));
create table df (a text default current_timestamp, b datetime default current_timestamp,
  c default current_time, d int default current_timestamp, f int default (abs(random()) % 2),
  g text default (datetime( 'now' )), h text default (datetime('now', 'localtime')),
  i real default (julianday('now')), j int default (unixepoch()), l time default '25:00');
create table desc_pk (id integer primary key desc, v text);
create table int_pk (id int primary key, v text);
insert into int_pk values (null, 'a'), (null, 'b');
create table bbox (id integer primary key, xmin real, xmax real);
create table typed (j json, u uuid);
create table cyc_a (id integer primary key, code text unique, b_code text references cyc_b(code));
create table cyc_b (id integer primary key, code text unique, a_code text references cyc_a(code));
create trigger tr_upper after insert on PAR begin select 1; end;
create trigger tr_bracket after insert on [CH] begin select 1; end;
create view Big as select 1 as x;
create trigger tr_view instead of insert on big begin select 1; end;
create table dt (id integer primary key, a date, b datetime, c time, f boolean, g blob, h datetime, m decimal(6,2));
insert into dt values (1, '2024-01-01 23:30:00', '20240601T100000+0200', '10:00', 'yes', 42, '2024-01-01 10:00:00+02:00', 0.125),
 (2, '2024-01-01', '2024-12-31 23:59:59.9999999', '25:00', 1, x'00', '2024-01-01 10:00:00', 12345678),
 (3, '03/04/2024', '2024-01-01 10:00:00 EST', '10:00:00.1234567', 'true', 'abc', null, null);
create table ix (a int unique, b int, rt text collate rtrim primary key);
create index ix_a_key on ix (b);
create index iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiix on ix (a);
create index iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiy on ix (b);
create table st (id integer primary key, v any) strict;
insert into st (v) values ('01234'), (1234), ('1e2'), (x'00ff');
create table rc (id integer primary key, v text, check (coalesce(id, 0) > 2), check (v <> 'x'));
create table seq0 (id integer primary key autoincrement, v text not null);
insert into seq0 (v) values ('a');
delete from seq0;
update sqlite_sequence set seq = 0 where name = 'seq0';
