-- Services versus pass-through (issue 17): a proposal line either sells the firm's
-- work (a typical project from the catalog, or a custom service) or passes money
-- through (travel, expenses, hardware resale). Both count in the proposal's total;
-- only services become the project's contract value and its phases' values, so
-- pass-through money earns no credit and no bonus. It stays on the project as
-- budget items instead.

-- Free-text lines were pass-through in spirit (API.md's "Travel"), and that is what a
-- free-text line without a kind means from now on. Projects already handed off keep
-- their contract value and phases: a handoff is never redone.
ALTER TABLE proposal_lines ADD COLUMN kind text NOT NULL DEFAULT 'service'
    CHECK (kind IN ('service', 'pass_through'));
UPDATE proposal_lines SET kind = 'pass_through' WHERE typical_project_id IS NULL;
ALTER TABLE proposal_lines ADD CONSTRAINT proposal_lines_catalog_is_service
    CHECK (typical_project_id IS NULL OR kind = 'service');

-- The pass-through lines of the accepted proposal, one item each: what the project
-- may spend on the client's behalf. The amount is the line's total less its share of
-- the proposal discount, so contract value + items = the proposal's total.
CREATE TABLE project_budget_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position integer NOT NULL,
    proposal_line_id bigint REFERENCES proposal_lines (id) ON DELETE SET NULL,
    description text NOT NULL CHECK (length(description) <= 500),
    amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
    UNIQUE (project_id, position)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON project_budget_items TO baton_member;
