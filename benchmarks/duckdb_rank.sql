-- The default methodology ("engagement" v1, DATA_AND_METHOD.md section 2) as one DuckDB query:
-- Directions of one sector, ranked over the whole sector (no --segment).
-- Placeholders, filled by bench_rank.py: {data} dataset folder, {sector} sector key,
-- {start} and {end} the half-open UTC period [start, end) of the edition.
WITH orgs AS (
    SELECT org_id, name, segment
    FROM read_parquet('{data}/organizations.parquet')
    WHERE sector = '{sector}'
),
members AS (
    SELECT m.member_id, m.org_id
    FROM read_parquet('{data}/members.parquet') AS m
    JOIN orgs USING (org_id)
),
counted AS (  -- counted posts: original or quote (empty kind = original), inside the period
    SELECT a.member_id,
           coalesce(p.likes, 0) + coalesce(p.comments, 0)
         + coalesce(p.shares, 0) + coalesce(p.quotes, 0) AS engagement
    FROM read_parquet('{data}/posts.parquet') AS p
    JOIN read_parquet('{data}/accounts.parquet') AS a USING (account_id)
    WHERE coalesce(p.kind, 'original') IN ('original', 'quote')
      AND p.published_at >= TIMESTAMPTZ '{start}'
      AND p.published_at <  TIMESTAMPTZ '{end}'
),
per_member AS (
    SELECT member_id, sum(engagement) AS engagement, count(*) AS posts
    FROM counted
    GROUP BY member_id
),
per_org AS (
    SELECT m.org_id,
           coalesce(sum(pm.engagement), 0) AS engagement,
           coalesce(sum(pm.posts), 0) AS posts,
           count(pm.member_id) AS active_members,
           count(*) AS members
    FROM members AS m
    LEFT JOIN per_member AS pm USING (member_id)
    GROUP BY m.org_id
),
scored AS (
    SELECT o.org_id, o.name, o.segment,
           coalesce(po.engagement, 0)::BIGINT AS score,
           coalesce(po.engagement, 0)::BIGINT AS engagement,
           coalesce(po.posts, 0)::BIGINT AS posts,
           coalesce(po.active_members, 0)::BIGINT AS active_members,
           coalesce(po.members, 0)::BIGINT AS members
    FROM orgs AS o
    LEFT JOIN per_org AS po USING (org_id)
)
SELECT RANK() OVER (ORDER BY score DESC) AS rank,
       org_id, name, segment, score, engagement, posts, active_members, members
FROM scored
ORDER BY rank, active_members DESC, lower(strip_accents(name)), org_id
