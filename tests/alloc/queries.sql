-- tests/alloc/queries.sql - deterministic SQLite queries for
-- real-programs.sh; the output must be byte-identical under every allocator.
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO t SELECT i, i % 97, printf('name-%06d-%s', i, hex(i * 2654435761 % 4294967296)),
	(i * 7919 % 100003) / 7.0 FROM n;
CREATE INDEX t_grp ON t(grp, val);
CREATE TABLE g AS SELECT grp, count(*) AS n, sum(val) AS s, max(name) AS m FROM t GROUP BY grp;
SELECT grp, n, printf('%.3f', s), m FROM g ORDER BY s DESC LIMIT 10;
SELECT count(*), printf('%.3f', avg(t.val)) FROM t JOIN g ON t.grp = g.grp WHERE t.val > g.s / g.n;
SELECT group_concat(name, ',') FROM (SELECT name FROM t WHERE grp = 13 ORDER BY val LIMIT 30);
UPDATE t SET name = upper(name) || substr(name, 3, 5) WHERE id % 3 = 0;
DELETE FROM t WHERE id % 5 = 0;
SELECT count(*), sum(length(name)), min(name), max(name) FROM t;
SELECT grp, count(DISTINCT substr(name, 1, 9)) FROM t GROUP BY grp ORDER BY 2 DESC, 1 LIMIT 5;
