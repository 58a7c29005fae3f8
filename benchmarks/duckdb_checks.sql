-- The row rules of the data contract (DATA_AND_METHOD.md section 1) as one DuckDB query: the
-- number of rows that break each rule, over the four Parquet files of a dataset. It is the
-- validation half of the "duckdb+checks" variant of bench_rank.py, which runs it before
-- duckdb_rank.sql and refuses the data (exit status 1) when any count is not 0, as
-- `influence rank` does. It checks what `influence` checks on every row: required values
-- (NULL, empty or only spaces), unique ids, references to the parent table, choices (case and
-- surrounding spaces accepted, as `influence` does), counts >= 0 and below 2^53, sector and
-- segment keys of dataset.yml. Column types are the files' schema: timestamps and counts are
-- typed in Parquet, and `text`/`url` have no rule but their type, so DuckDB need not read them.
-- The country format is a warning in `influence` and is counted here for completeness.
-- Placeholders, filled by bench_rank.py: {data} dataset folder; {sectors} and {pairs} the
-- sector keys and 'sector/segment' keys of dataset.yml; {kinds}, {formats}, {platforms},
-- {role_categories}, {genders} the choices of the contract; all as SQL lists of strings.
WITH
orgs AS (SELECT * FROM read_parquet('{data}/organizations.parquet')),
members AS (SELECT * FROM read_parquet('{data}/members.parquet')),
accounts AS (SELECT * FROM read_parquet('{data}/accounts.parquet')),
posts AS (
    SELECT post_id, account_id, published_at, kind, format, likes, comments, shares, quotes, impressions
    FROM read_parquet('{data}/posts.parquet')
),
org_checks AS (
    SELECT count(*) FILTER (WHERE org_id IS NULL OR trim(org_id) = '') AS org_id_missing,
           count(org_id) - count(DISTINCT org_id) AS org_id_duplicate,
           count(*) FILTER (WHERE name IS NULL OR trim(name) = '') AS name_missing,
           count(*) FILTER (WHERE sector IS NULL OR trim(sector) = '') AS sector_missing,
           count(*) FILTER (WHERE segment IS NULL OR trim(segment) = '') AS segment_missing,
           count(*) FILTER (WHERE sector NOT IN {sectors}) AS sector_unknown,
           count(*) FILTER (WHERE sector IN {sectors} AND sector || '/' || segment NOT IN {pairs}) AS segment_unknown,
           count(*) FILTER (WHERE trim(country) <> '' AND NOT regexp_full_match(country, '[A-Z]{2}')) AS country_warning
    FROM orgs
),
member_checks AS (
    SELECT count(*) FILTER (WHERE member_id IS NULL OR trim(member_id) = '') AS member_id_missing,
           count(member_id) - count(DISTINCT member_id) AS member_id_duplicate,
           count(*) FILTER (WHERE m.org_id IS NULL OR trim(m.org_id) = '') AS member_org_missing,
           count(*) FILTER (WHERE m.org_id IS NOT NULL AND o.org_id IS NULL) AS member_org_unknown,
           count(*) FILTER (WHERE full_name IS NULL OR trim(full_name) = '') AS full_name_missing,
           count(*) FILTER (WHERE role IS NULL OR trim(role) = '') AS role_missing,
           count(*) FILTER (WHERE trim(role_category) <> '' AND lower(trim(role_category)) NOT IN {role_categories})
               AS role_category_unknown,
           count(*) FILTER (WHERE trim(gender) <> '' AND lower(trim(gender)) NOT IN {genders}) AS gender_unknown
    FROM members AS m
    LEFT JOIN (SELECT DISTINCT org_id FROM orgs) AS o ON m.org_id = o.org_id
),
account_checks AS (
    SELECT count(*) FILTER (WHERE account_id IS NULL OR trim(account_id) = '') AS account_id_missing,
           count(account_id) - count(DISTINCT account_id) AS account_id_duplicate,
           count(*) FILTER (WHERE a.member_id IS NULL OR trim(a.member_id) = '') AS account_member_missing,
           count(*) FILTER (WHERE a.member_id IS NOT NULL AND m.member_id IS NULL) AS account_member_unknown,
           count(*) FILTER (WHERE platform IS NULL OR trim(platform) = '') AS platform_missing,
           count(*) FILTER (WHERE trim(platform) <> '' AND lower(trim(platform)) NOT IN {platforms}) AS platform_unknown,
           count(*) FILTER (WHERE handle IS NULL OR trim(handle) = '') AS handle_missing,
           count(*) FILTER (WHERE followers < 0 OR followers >= 9007199254740992) AS followers_bad
    FROM accounts AS a
    LEFT JOIN (SELECT DISTINCT member_id FROM members) AS m ON a.member_id = m.member_id
),
post_checks AS (
    SELECT count(*) FILTER (WHERE post_id IS NULL OR trim(post_id) = '') AS post_id_missing,
           count(post_id) - count(DISTINCT post_id) AS post_id_duplicate,
           count(*) FILTER (WHERE p.account_id IS NULL OR trim(p.account_id) = '') AS post_account_missing,
           count(*) FILTER (WHERE p.account_id IS NOT NULL AND a.account_id IS NULL) AS post_account_unknown,
           count(*) FILTER (WHERE published_at IS NULL) AS published_at_missing,
           count(*) FILTER (WHERE trim(kind) <> '' AND lower(trim(kind)) NOT IN {kinds}) AS kind_unknown,
           count(*) FILTER (WHERE trim(format) <> '' AND lower(trim(format)) NOT IN {formats}) AS format_unknown,
           count(*) FILTER (WHERE least(likes, comments, shares, quotes, impressions) < 0
                              OR greatest(likes, comments, shares, quotes, impressions) >= 9007199254740992)
               AS count_bad
    FROM posts AS p
    LEFT JOIN (SELECT DISTINCT account_id FROM accounts) AS a ON p.account_id = a.account_id
)
SELECT * FROM org_checks, member_checks, account_checks, post_checks
