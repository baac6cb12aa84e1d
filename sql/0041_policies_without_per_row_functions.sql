-- The projects' and proposals' row-level security asks its rule in the policy itself,
-- not through project_visible / proposal_visible (issue 19, item 3 and 11).
--
-- A SQL function whose body holds a subquery is never inlined, so a policy that calls
-- one runs the function once per row, and each call built the viewer's whole set of
-- visible accounts again (visible_account_ids, a few milliseconds): an account
-- manager's search over the 2,600 projects took 22 s, and every proposal read paid it
-- per proposal through the opportunity it belongs to. Written in the policy, the set is
-- built once per statement (a hashed subplan) and each row costs a hash probe, or one
-- index look-up for the assignment and the opportunity.
--
-- The rules are the same as the functions' were, word for word:
-- - a project is seen by its manager, with its account, and by whoever is assigned to it;
-- - a proposal is seen by its author and its reviewer, and with its opportunity (whose
--   own policy applies inside the EXISTS).
ALTER POLICY projects_scope ON projects
    USING (project_manager_id = acting_user()
           OR account_id IN (SELECT v.account_id FROM visible_account_ids(acting_user()) v)
           OR EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = projects.id AND x.user_id = acting_user()));

ALTER POLICY proposals_scope ON proposals
    USING (author_id = acting_user() OR reviewer_id = acting_user()
           OR EXISTS (SELECT 1 FROM opportunities o WHERE o.id = proposals.opportunity_id));

-- Nothing else calls them; sql/functions/visibility.sql no longer defines them.
DROP FUNCTION project_visible(bigint, bigint, bigint);
DROP FUNCTION proposal_visible(bigint, bigint, bigint);
