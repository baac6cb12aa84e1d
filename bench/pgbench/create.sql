-- The SQL of POST /api/v1/opportunities as the admin, without an Idempotency-Key,
-- statement for statement: the session lookup of the AuthenticationMiddleware, then
-- one transaction: StageStore.find, checkReferences (admin: scopes are TRUE; a new
-- opportunity has no current account, so that bind is NULL), OpportunityStore.create
-- (INSERT … RETURNING id, replaceTeam's DELETE and INSERT … unnest, recordStageChange,
-- findAny) and AuditTrail.record; then COMMIT.
-- Variables from bench.py: token_hash, idle, owner (the admin's id), stage, kind,
-- close_date, team_ids, team_roles, team_splits (array literals of the default team:
-- the owner with 100), entity, action, changes (the audit entry the API wrote for an
-- opportunity created the same way), accounts (how many accounts).
\set account random(1, :accounts)
\set n random(1, 999999)
\set amount random(1000, 500000)
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
BEGIN;
SELECT id, key, version, name, position, probability, forecast_category, is_won, is_lost, usual_days FROM pipeline_stages WHERE key = :stage;
SELECT
    EXISTS (SELECT 1 FROM accounts a WHERE a.id = :account AND TRUE
            AND (a.archived_at IS NULL OR a.id = NULL)) AS account_ok,
    EXISTS (SELECT 1 FROM users u WHERE u.id = :owner AND u.active AND TRUE) AS owner_ok,
    (SELECT count(*) FROM users WHERE id = ANY(:team_ids::bigint[]) AND active) AS team_found;
INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id, probability_override,
                           forecast_category_override, next_step, source, closed_on, lost_reason, external_id)
VALUES (:account, :n, :kind, :stage, :amount, :close_date, :owner,
        NULL, NULL, NULL, NULL, NULL,
        NULL, NULL)
RETURNING id \gset opp_
DELETE FROM opportunity_team WHERE opportunity_id = :opp_id;
INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
SELECT :opp_id, m.user_id, m.role, m.split
FROM unnest(:team_ids::bigint[], :team_roles::text[],
            :team_splits::numeric[]) AS m(user_id, role, split);
INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_by, amount, close_date,
                                       probability, forecast_category)
SELECT o.id, NULL, o.stage_key, :owner, o.amount, o.close_date,
       CASE WHEN s.is_won OR s.is_lost THEN s.probability ELSE coalesce(o.probability_override, s.probability) END,
       CASE WHEN s.is_won OR s.is_lost THEN s.forecast_category
            ELSE coalesce(o.forecast_category_override, s.forecast_category) END
FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key WHERE o.id = :opp_id;
SELECT o.id, o.version, o.account_id, a.name AS account_name, o.name, o.kind, o.stage_key, o.amount, o.close_date,
    o.owner_id, o.probability_override, o.forecast_category_override, o.next_step, o.source, o.closed_on,
    o.lost_reason, o.stage_entered_at, o.external_id, o.archived_at IS NOT NULL AS archived, o.created_at, o.updated_at,
    s.is_won, s.is_lost,
    CASE WHEN s.is_won OR s.is_lost THEN s.probability ELSE coalesce(o.probability_override, s.probability) END AS probability,
    CASE WHEN s.is_won OR s.is_lost THEN s.forecast_category
         ELSE coalesce(o.forecast_category_override, s.forecast_category) END AS forecast_category,
    floor(extract(epoch FROM now() - o.stage_entered_at) / 86400)::int AS days_in_stage,
    coalesce((SELECT array_agg(t.user_id ORDER BY t.split_percent DESC, t.user_id)
              FROM opportunity_team t WHERE t.opportunity_id = o.id), '{}') AS team_user_ids,
    coalesce((SELECT array_agg(t.role ORDER BY t.split_percent DESC, t.user_id)
              FROM opportunity_team t WHERE t.opportunity_id = o.id), '{}') AS team_roles,
    coalesce((SELECT array_agg(t.split_percent::text ORDER BY t.split_percent DESC, t.user_id)
              FROM opportunity_team t WHERE t.opportunity_id = o.id), '{}') AS team_splits
FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key WHERE o.id = :opp_id;
INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
VALUES (:owner, :entity, :opp_id, :action, :changes::jsonb);
COMMIT;
