-- Whether a caller the server remembers from an earlier request still holds, checked in the
-- same round trip as the request's first statement (Sources/BatonApp/Auth/CallerCache.swift).
--
-- A repeatable file: the current definition of each function here, applied again (with every
-- file in this folder) whenever one of them changes.

-- Raises invalid_authorization_specification (28000) unless the session (credential_kind
-- 'session') or API token ('api_token') is still live and its person is active with exactly
-- the name, email and roles the server remembers: then whatever rides behind it in the
-- pipeline is skipped, and the server looks the caller up afresh. The session's idle
-- timeout counts from last_seen_at, moved at most once a minute as the full look-up moves it
-- (SessionStore.authenticate); a row another request is moving right now is left to it.
CREATE OR REPLACE FUNCTION public.credential_holds(
    credential_kind text, credential_id bigint, person_id bigint,
    person_name text, person_email text, person_roles text[], idle_minutes integer
) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF credential_kind = 'session' THEN
        PERFORM 1 FROM sessions s
        WHERE s.id = credential_id AND s.user_id = person_id AND s.revoked_at IS NULL
          AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(mins => idle_minutes);
    ELSIF credential_kind = 'api_token' THEN
        PERFORM 1 FROM api_tokens t
        WHERE t.id = credential_id AND t.user_id = person_id AND t.revoked_at IS NULL;
    END IF;
    IF NOT FOUND OR NOT EXISTS (
        SELECT 1 FROM users u
        WHERE u.id = person_id AND u.active
          AND u.name = person_name AND u.email = person_email AND u.roles = person_roles
    ) THEN
        RAISE EXCEPTION 'the credential no longer holds' USING ERRCODE = 'invalid_authorization_specification';
    END IF;

    IF credential_kind = 'session' THEN
        UPDATE sessions SET last_seen_at = now()
        WHERE id = (SELECT s.id FROM sessions s
                    WHERE s.id = credential_id AND s.last_seen_at < now() - interval '1 minute'
                    FOR UPDATE SKIP LOCKED);
    ELSE
        UPDATE api_tokens SET last_used_at = now()
        WHERE id = (SELECT t.id FROM api_tokens t
                    WHERE t.id = credential_id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
                    FOR UPDATE SKIP LOCKED);
    END IF;
    RETURN true;
END
$$;
