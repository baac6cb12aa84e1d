-- The person behind a session cookie or an API token, touching the credential's last
-- use at most once a minute (so that reads do not write).
--
-- SECURITY DEFINER, so that the look-up gives the same answer whoever the connection
-- acts for: a request checks its credential on the connection as the last request
-- left it (acting for its own person, `Connection.act(as:)`), instead of resetting the
-- role first and setting it again for its own statements. PL/pgSQL, whose plans are
-- kept for the session, where a SQL function's would be made again on every call.

CREATE OR REPLACE FUNCTION public.session_caller(token bytea, idle_minutes integer)
RETURNS TABLE (credential_id bigint, id bigint, name text, email text, roles text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH found AS (
        SELECT s.id, s.user_id, s.last_seen_at FROM sessions s
        WHERE s.token_hash = token AND s.revoked_at IS NULL AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(mins => idle_minutes)
    ), touched AS (
        UPDATE sessions SET last_seen_at = now()
        FROM found WHERE sessions.id = found.id AND found.last_seen_at < now() - interval '1 minute'
    )
    SELECT found.id, u.id, u.name, u.email, u.roles
    FROM found JOIN users u ON u.id = found.user_id AND u.active;
END
$$;

CREATE OR REPLACE FUNCTION public.api_token_caller(token bytea)
RETURNS TABLE (credential_id bigint, id bigint, name text, email text, roles text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH found AS (
        SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t
        WHERE t.token_hash = token AND t.revoked_at IS NULL
    ), touched AS (
        UPDATE api_tokens SET last_used_at = now()
        FROM found WHERE api_tokens.id = found.id
          AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
    )
    SELECT found.id, u.id, u.name, u.email, u.roles
    FROM found JOIN users u ON u.id = found.user_id AND u.active;
END
$$;

-- Only the app's own roles ask: the login user (the owner) and a request acting for someone.
REVOKE ALL ON FUNCTION session_caller(bytea, integer), api_token_caller(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_caller(bytea, integer), api_token_caller(bytea) TO baton_member;
