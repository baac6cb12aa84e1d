-- The SQL of GET /api/v1/opportunities/{id} as the admin, statement for statement, as
-- the server sends it once it remembers the session (every read after the first): the
-- AuthenticationMiddleware's credential check (SessionStore.credentialHolds,
-- sql/functions/credentials.sql) and OpportunityStore.find (admin: the scope is TRUE),
-- in one pipeline, outside a transaction, as the route runs them. pgbench -M extended
-- sends each with PQexecParams-style parameters, like the app's libpq client.
-- Variables from bench.py: session_id, person_id, person_name, person_email,
-- person_roles (the admin as the server remembers them), idle (minutes), max_id.
\set id random(1, :max_id)
\startpipeline
SELECT public.credential_holds('session', :session_id, :person_id, :person_name, :person_email,
                               :person_roles, :idle);
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
FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key
WHERE o.id = :id AND TRUE;
\endpipeline
