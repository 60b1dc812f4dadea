create table p (id integer primary key, name text collate nocase unique check (length(name) > 0),
  n int check (n >= 0 and n < 100) default 1e3, z text check (z glob 'a*'), r real default -0.5,
  b boolean default 'TRUE', m numeric(6,2) default 1234.5, m2 numeric(6,2) default 12345.678,
  blob blob default x'00ff', day date default '2024-02-29', bad date default '2024-02-30',
  CHECK (n == 1 OR name IS NOT NULL));
create table c (id int, pid int references p(id) deferrable initially deferred, qid int,
  ts datetime default 0, t2 datetime, q integer default '"0"', q2 integer default '7', g int generated always as (id*2) stored,
  v text as (upper(name)) virtual, name text, r text default (random()),
  foreign key (qid) references p(id), foreign key (id) references nothere(x));
insert into c(id, pid, ts, t2) values (1, 1, '2024-01-01 10:00:00+02:00', '2024-01-01T00:00:00Z'), (2,1,'2024-01-01 10:00:00', null);
create trigger tr after insert on c begin select 1; end;
create view v as select * from c;
create table k (a text collate nocase primary key, b text collate rtrim unique);
