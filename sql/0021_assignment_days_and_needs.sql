-- One allocation model (issue 18): an assignment takes hours per day on each of
-- the person's working days, and belongs to one skill need of one phase.
--
-- Hours per week stay the stored figure (the API has always taken them), and a
-- week is five working days: hours_per_day is derived, exactly, so the two can
-- never disagree. An assignment at 40 h a week is 8 h on each working day.
ALTER TABLE assignments
    ADD COLUMN hours_per_day numeric GENERATED ALWAYS AS (trim_scale(round(hours_per_week / 5, 4))) STORED,
    ADD COLUMN phase_id bigint,
    ADD COLUMN skill_id bigint,
    ADD CONSTRAINT assignments_need_fkey FOREIGN KEY (phase_id, skill_id)
        REFERENCES project_skill_needs (phase_id, skill_id) ON DELETE SET NULL,
    ADD CONSTRAINT assignments_need_both CHECK ((phase_id IS NULL) = (skill_id IS NULL));
CREATE INDEX assignments_need_idx ON assignments (phase_id, skill_id);

-- Existing assignments join the need they most plausibly fill: a need of their
-- project whose skill the person has, the phase overlapping the assignment most,
-- then the earliest phase and the skill's name. Those with none (a project manager's
-- own booking, a skill nobody needs) stay outside every need.
UPDATE assignments a SET phase_id = m.phase_id, skill_id = m.skill_id
FROM (
    SELECT DISTINCT ON (a.id) a.id, n.phase_id, n.skill_id
    FROM assignments a
    JOIN project_phases ph ON ph.project_id = a.project_id
    JOIN project_skill_needs n ON n.phase_id = ph.id
    JOIN user_skills us ON us.user_id = a.user_id AND us.skill_id = n.skill_id
    JOIN skills s ON s.id = n.skill_id
    ORDER BY a.id,
             greatest(0, least(a.end_date + 1, ph.due_date) - greatest(a.start_date, ph.start_date)) DESC,
             ph.position, lower(s.name)
) m
WHERE m.id = a.id;
