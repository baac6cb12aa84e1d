-- The probability and forecast category in force for a deal: the person's override
-- while the deal is open, the stage's own once it is won or lost (a closed deal's
-- numbers are facts, not forecasts). BatonCore's StageRules.effective says the same for
-- code that holds a deal in memory; every query asks these, so the rule has one
-- definition in SQL. IMMUTABLE and plain SQL, so the planner inlines them.
--
-- A repeatable file: the current definition of each function here, applied again (with
-- every file in this folder) whenever one of them changes.

CREATE OR REPLACE FUNCTION public.effective_probability(is_closed boolean, stage_probability numeric, override numeric)
    RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN is_closed THEN stage_probability ELSE coalesce(override, stage_probability) END
$$;

CREATE OR REPLACE FUNCTION public.effective_forecast_category(is_closed boolean, stage_category text, override text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN is_closed THEN stage_category ELSE coalesce(override, stage_category) END
$$;
