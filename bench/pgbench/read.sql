-- The SQL of GET /api/v1/opportunities/{id} as the admin, statement for statement:
-- the AuthenticationMiddleware's session lookup (SessionStore.authenticate, a bearer
-- token that starts with bs_), then OpportunityStore.find (admin: the scope is TRUE).
-- Both outside a transaction, as the route runs them. pgbench -M extended sends each
-- with PQexecParams-style parameters, like the app's libpq client.
-- Variables from bench.py: token_hash (hex SHA-256 of the token), idle (minutes), max_id.
\set id random(1, :max_id)
WITH found AS (
    SELECT s.id, s.user_id, s.last_seen_at FROM sessions s
    WHERE s.token_hash = decode(:token_hash, 'hex') AND s.revoked_at IS NULL
      AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(mins => :idle)
), touched AS (
    UPDATE sessions SET last_seen_at = now()
    FROM found WHERE sessions.id = found.id AND found.last_seen_at < now() - interval '1 minute'
)
SELECT found.id AS credential_id, u.id, u.name, u.email, u.roles
FROM found JOIN users u ON u.id = found.user_id AND u.active;
SELECT o.id, o.version, o.account_id, a.name AS account_name, o.name, o.kind, o.stage_key, o.amount, o.close_date,
    o.owner_id, o.probability_override, o.forecast_category_override, o.next_step, o.source, o.closed_on,
    o.lost_reason, o.stage_entered_at, o.external_id, o.archived_at IS NOT NULL AS archived, o.created_at, o.updated_at,
    s.is_won, s.is_lost,
    CASE WHEN s.is_won OR s.is_lost THEN s.probability ELSE coalesce(o.probability_override, s.probability) END AS probability,
    CASE WHEN s.is_won OR s.is_lost THEN s.forecast_category
         ELSE coalesce(o.forecast_category_override, s.forecast_category) END AS forecast_category,
    floor(extract(epoch FROM now() - o.stage_entered_at) / 86400)::int AS days_in_stage,
    coalesce((SELECT json_agg(json_build_object('userId', t.user_id, 'role', t.role, 'splitPercent', t.split_percent::text)
                              ORDER BY t.split_percent DESC, t.user_id)
              FROM opportunity_team t WHERE t.opportunity_id = o.id), '[]')::text AS team
FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key
WHERE o.id = :id AND TRUE;
