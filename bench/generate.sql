-- The benchmark's data: 200 people with reporting lines, 10,000 accounts, 40,000
-- contacts, 1,000,000 opportunities with their teams (splits adding up to 100),
-- stage histories and audit entries, a catalog of typical projects, proposals,
-- about 5,000 projects with phases, skill needs and assignments, periods and quotas.
--
-- Run by bench/run.sh with psql into a database that `baton migrate` made, after
-- `baton user add` made the admin (admin@bench.test), whose bcrypt hash every
-- generated person gets, so that everyone signs in with the bench password.
--
-- Set-based (INSERT … SELECT generate_series), every CHECK constraint, foreign key
-- and trigger left on. Only the secondary indexes of the big tables are dropped
-- during the load and rebuilt after it from their own definitions
-- (pg_get_indexdef), so the schema ends exactly as the migrations made it.
-- Deterministic: setseed() fixes random().

\set ON_ERROR_STOP on
-- bench/run.sh passes -v opportunities=N (BENCH_OPPORTUNITIES); a million when run by hand.
\if :{?opportunities}
\else
\set opportunities 1000000
\endif
\timing on
SET client_min_messages = warning;
SET maintenance_work_mem = '512MB';
SET max_parallel_maintenance_workers = 2;
SET synchronous_commit = off;
SELECT setseed(0.4242);

-- ------------------------------------------------------------------ indexes off
CREATE TEMP TABLE bench_saved_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname IN ('accounts', 'contacts', 'opportunities', 'opportunity_team', 'opportunity_stage_history', 'audit_log')
  AND t.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT 'DROP INDEX ' || name FROM bench_saved_indexes \gexec

-- ------------------------------------------------------------------ people (200)
-- The admin (made by the CLI) plus 199: 2 heads, 16 managers, 60 account
-- managers, 40 sales, 24 project managers, 57 consultants.
CREATE TEMP TABLE bench_people (seq int, email text, name text, roles text[], manager_email text, capacity numeric, location text);
INSERT INTO bench_people VALUES
    (1, 'head.sales@bench.test', 'Hannah Sales', '{manager}', NULL, 40, 'Denver, CO'),
    (2, 'head.delivery@bench.test', 'Hugo Delivery', '{manager}', NULL, 40, 'Denver, CO');
INSERT INTO bench_people
SELECT 10 + g, format('sales.manager.%s@bench.test', lpad(g::text, 2, '0')), format('Sales Manager %s', g), '{manager}',
       'head.sales@bench.test', 40, 'Denver, CO'
FROM generate_series(1, 10) g;
INSERT INTO bench_people
SELECT 30 + g, format('delivery.manager.%s@bench.test', lpad(g::text, 2, '0')), format('Delivery Manager %s', g), '{manager}',
       'head.delivery@bench.test', 40, 'Portland, OR'
FROM generate_series(1, 6) g;
INSERT INTO bench_people
SELECT 100 + g, format('am.%s@bench.test', lpad(g::text, 3, '0')), format('Account Manager %s', g), '{account_manager}',
       format('sales.manager.%s@bench.test', lpad((1 + (g - 1) % 10)::text, 2, '0')), 40, 'Seattle, WA'
FROM generate_series(1, 60) g;
INSERT INTO bench_people
SELECT 200 + g, format('sales.%s@bench.test', lpad(g::text, 3, '0')), format('Sales Person %s', g), '{sales}',
       format('sales.manager.%s@bench.test', lpad((1 + (g - 1) % 10)::text, 2, '0')), 40, 'Boulder, CO'
FROM generate_series(1, 40) g;
INSERT INTO bench_people
SELECT 300 + g, format('pm.%s@bench.test', lpad(g::text, 2, '0')), format('Project Manager %s', g), '{project_manager}',
       format('delivery.manager.%s@bench.test', lpad((1 + (g - 1) % 6)::text, 2, '0')), 40, 'Denver, CO'
FROM generate_series(1, 24) g;
INSERT INTO bench_people
SELECT 400 + g, format('consultant.%s@bench.test', lpad(g::text, 3, '0')), format('Consultant %s', g), '{consultant}',
       format('pm.%s@bench.test', lpad((1 + (g - 1) % 24)::text, 2, '0')), CASE WHEN g % 7 = 0 THEN 32 ELSE 40 END, 'Portland, OR'
FROM generate_series(1, 57) g;

-- Managers first, so that every manager_id names someone already there.
INSERT INTO users (email, name, roles, manager_id, weekly_capacity_hours, home_location, password_hash, calendar_token)
SELECT p.email, p.name, p.roles, m.id, p.capacity, p.location,
       (SELECT password_hash FROM users WHERE email = 'admin@bench.test'),
       md5('cal' || p.email) || md5(p.email || 'cal')
FROM bench_people p LEFT JOIN users m ON m.email = p.manager_email
WHERE p.manager_email IS NULL ORDER BY p.seq;
INSERT INTO users (email, name, roles, manager_id, weekly_capacity_hours, home_location, password_hash, calendar_token)
SELECT p.email, p.name, p.roles, m.id, p.capacity, p.location,
       (SELECT password_hash FROM users WHERE email = 'admin@bench.test'), md5('cal' || p.email) || md5(p.email || 'cal')
FROM bench_people p JOIN users m ON m.email = p.manager_email WHERE p.seq BETWEEN 10 AND 99 ORDER BY p.seq;
INSERT INTO users (email, name, roles, manager_id, weekly_capacity_hours, home_location, password_hash, calendar_token)
SELECT p.email, p.name, p.roles, m.id, p.capacity, p.location,
       (SELECT password_hash FROM users WHERE email = 'admin@bench.test'), md5('cal' || p.email) || md5(p.email || 'cal')
FROM bench_people p JOIN users m ON m.email = p.manager_email WHERE p.seq BETWEEN 100 AND 399 ORDER BY p.seq;
INSERT INTO users (email, name, roles, manager_id, weekly_capacity_hours, home_location, password_hash, calendar_token)
SELECT p.email, p.name, p.roles, m.id, p.capacity, p.location,
       (SELECT password_hash FROM users WHERE email = 'admin@bench.test'), md5('cal' || p.email) || md5(p.email || 'cal')
FROM bench_people p JOIN users m ON m.email = p.manager_email WHERE p.seq >= 400 ORDER BY p.seq;

-- Who is who, by position in their group (1-based), for the joins below.
CREATE TEMP TABLE bench_ams AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE 'account_manager' = ANY(roles);
CREATE TEMP TABLE bench_sales AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE 'sales' = ANY(roles);
CREATE TEMP TABLE bench_pms AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE 'project_manager' = ANY(roles);
CREATE TEMP TABLE bench_consultants AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE 'consultant' = ANY(roles);

-- ------------------------------------------------------------------ skills
INSERT INTO skills (name) VALUES ('project management'), ('network engineering'), ('cloud architecture'), ('security'),
    ('data engineering'), ('cabling'), ('training'), ('writing'), ('software development'), ('testing');
INSERT INTO user_skills (user_id, skill_id, level)
SELECT c.id, s.id, 3 + (c.n % 3)::int FROM bench_consultants c
JOIN skills s ON s.id = (SELECT id FROM skills ORDER BY id OFFSET 1 + (c.n % 9) LIMIT 1);
INSERT INTO user_skills (user_id, skill_id, level)
SELECT c.id, s.id, 2 + (c.n % 4)::int FROM bench_consultants c
JOIN skills s ON s.id = (SELECT id FROM skills ORDER BY id OFFSET 1 + ((c.n + 4) % 9) LIMIT 1)
ON CONFLICT DO NOTHING;
INSERT INTO user_skills (user_id, skill_id, level)
SELECT p.id, (SELECT id FROM skills WHERE name = 'project management'), 3 + (p.n % 3)::int FROM bench_pms p;

-- ------------------------------------------------------------------ accounts (10,000)
INSERT INTO accounts (id, name, domain, industry, owner_id, parent_id, status, city, country, external_id, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT g,
       (ARRAY['Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Acme', 'Hooli', 'Vandelay',
              'Soylent', 'Tyrell', 'Cyberdyne', 'Aperture', 'Wonka', 'Gringotts'])[1 + g % 16]
           || ' ' || (ARRAY['Systems', 'Logistics', 'Health', 'Energy', 'Foods', 'Bank', 'Labs', 'Retail', 'Media',
                            'Airlines', 'Mining', 'Insurance'])[1 + (g / 16) % 12] || ' ' || g,
       format('acct%s.example.com', g),
       (ARRAY['Manufacturing', 'Healthcare', 'Finance', 'Retail', 'Energy', 'Public sector', 'Education', 'Logistics'])[1 + g % 8],
       am.id,
       CASE WHEN g > 9000 THEN 1 + (g * 7) % 9000 END,
       CASE WHEN g % 20 = 0 THEN 'former' WHEN g % 4 = 0 THEN 'prospect' ELSE 'active' END,
       (ARRAY['Denver', 'Portland', 'Seattle', 'Boulder', 'Austin', 'Chicago'])[1 + g % 6], 'US',
       format('acct-%s', lpad(g::text, 5, '0')),
       now() - interval '3 years' + g * interval '1 hour', now() - interval '1 year' + g * interval '30 minutes'
FROM generate_series(1, 10000) g JOIN bench_ams am ON am.n = 1 + (g * 13) % 60
ORDER BY g;
SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT max(id) FROM accounts));

-- ------------------------------------------------------------------ contacts (40,000)
INSERT INTO contacts (id, account_id, name, email, phone, title, buying_role, do_not_contact, external_id)
OVERRIDING SYSTEM VALUE
SELECT g, 1 + (g - 1) / 4,
       (ARRAY['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Riley', 'Jamie', 'Morgan', 'Quinn', 'Avery'])[1 + g % 10] || ' '
           || (ARRAY['Smith', 'Jones', 'Garcia', 'Miller', 'Davis', 'Lopez', 'Wilson', 'Moore', 'Clark', 'Lewis', 'Young'])[1 + (g / 10) % 11],
       format('contact%s@acct%s.example.com', g, 1 + (g - 1) / 4),
       format('+1 555 %s', lpad((g % 10000)::text, 4, '0')),
       (ARRAY['CIO', 'IT Director', 'Procurement', 'Engineer', 'CFO'])[1 + g % 5],
       (ARRAY['decision_maker', 'influencer', 'technical', 'billing', 'other'])[1 + g % 5],
       g % 50 = 0,
       format('cont-%s', lpad(g::text, 6, '0'))
FROM generate_series(1, 40000) g;
SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts));

-- ------------------------------------------------------------------ opportunities (1,000,000)
-- A quarter won, a quarter lost (closed in the past, closed_on = close_date), half
-- open over the five open stages (closing from a month ago to the end of 2027).
CREATE TEMP TABLE bench_stage_paths (stage_key text PRIMARY KEY, path text[]);
INSERT INTO bench_stage_paths VALUES
    ('prospecting', '{prospecting}'),
    ('qualification', '{prospecting,qualification}'),
    ('needs_analysis', '{prospecting,qualification,needs_analysis}'),
    ('proposal', '{prospecting,qualification,needs_analysis,proposal}'),
    ('negotiation', '{prospecting,qualification,needs_analysis,proposal,negotiation}'),
    ('closed_won', '{prospecting,proposal,closed_won}'),
    ('closed_lost', '{prospecting,closed_lost}');

INSERT INTO opportunities (id, account_id, name, kind, stage_key, amount, close_date, owner_id, probability_override,
                           forecast_category_override, next_step, source, closed_on, lost_reason, stage_entered_at,
                           archived_at, created_at, updated_at, is_open)
OVERRIDING SYSTEM VALUE
SELECT x.g, x.account_id,
       (ARRAY['Network refresh', 'Cloud migration', 'Security audit', 'Data platform', 'Managed services', 'Cabling upgrade',
              'SOC2 readiness', 'Training program', 'Office move', 'Disaster recovery', 'Wi-Fi rollout', 'ERP integration'])[1 + x.g % 12]
           || ' ' || x.g,
       CASE WHEN x.r3 < 0.6 THEN 'new_business' WHEN x.r3 < 0.85 THEN 'expansion' ELSE 'renewal' END,
       x.stage_key, x.amount, x.close_date, x.owner_id,
       CASE WHEN x.open AND x.r4 < 0.05 THEN round((x.r4 * 1800)::numeric, 2) END,
       CASE WHEN x.open AND x.r4 >= 0.05 AND x.r4 < 0.08 THEN 'commit' END,
       CASE WHEN x.open AND x.r5 < 0.5 THEN 'Follow up with the client' END,
       (ARRAY['referral', 'web', 'event', 'partner', NULL])[1 + x.g % 5],
       CASE WHEN NOT x.open THEN x.close_date END,
       CASE WHEN x.stage_key = 'closed_lost' THEN (ARRAY['price', 'timing', 'competitor', 'no budget'])[1 + x.g % 4] END,
       x.entered,
       CASE WHEN x.g % 200 = 0 THEN x.entered + interval '1 day' END,
       x.entered - (1 + floor(x.r5 * 90)) * interval '1 day', x.entered,
       -- Given, so the row trigger that takes it from the stage is not called a million
       -- times (sql/functions/open_deals.sql); the foreign key to the stage checks it.
       x.open
FROM (
    SELECT y.*, y.stage_key NOT IN ('closed_won', 'closed_lost') AS open,
           CASE WHEN y.stage_key IN ('closed_won', 'closed_lost') THEN y.close_date::timestamptz + interval '10 hours'
                ELSE now() - (1 + floor(y.r5 * 120)) * interval '1 day' END AS entered
    FROM (
        SELECT z.*,
               CASE WHEN z.r1 < 0.25 THEN 'closed_won' WHEN z.r1 < 0.50 THEN 'closed_lost'
                    WHEN z.r1 < 0.65 THEN 'prospecting' WHEN z.r1 < 0.77 THEN 'qualification'
                    WHEN z.r1 < 0.87 THEN 'needs_analysis' WHEN z.r1 < 0.95 THEN 'proposal' ELSE 'negotiation' END AS stage_key,
               CASE WHEN z.r1 < 0.50 THEN date '2024-01-01' + floor(z.r2 * (current_date - date '2024-01-01'))::int
                    ELSE current_date - 30 + floor(z.r2 * (date '2027-12-31' - current_date + 30))::int END AS close_date,
               round((1000 + z.r6 * z.r6 * 400000)::numeric, 2) AS amount
        FROM (
            SELECT g, a.id AS account_id, a.owner_id, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                   random() AS r5, random() AS r6
            FROM generate_series(1, :opportunities) g JOIN accounts a ON a.id = 1 + (g::bigint * 7919) % 10000
        ) z
    ) y
) x
ORDER BY x.g;
SELECT setval(pg_get_serial_sequence('opportunities', 'id'), (SELECT max(id) FROM opportunities));

-- Teams: 40 % the owner alone (100), 35 % owner 70 + a sales partner 30,
-- 25 % owner 60 + sales partner 30 + project manager 10.
INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
SELECT o.id, o.owner_id, 'owner', CASE WHEN (o.id * 37) % 100 < 40 THEN 100 WHEN (o.id * 37) % 100 < 75 THEN 70 ELSE 60 END
FROM opportunities o;
INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
SELECT o.id, s.id, 'sales_partner', 30
FROM opportunities o JOIN bench_sales s ON s.n = 1 + (o.id * 31) % 40
WHERE (o.id * 37) % 100 >= 40;
INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
SELECT o.id, p.id, 'project_manager', 10
FROM opportunities o JOIN bench_pms p ON p.n = 1 + (o.id * 17) % 24
WHERE (o.id * 37) % 100 >= 75;

-- Stage histories: the path to the current stage, ten days a step.
INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, changed_by, changed_at, amount, close_date,
                                       probability, forecast_category)
SELECT o.id, CASE WHEN p.i > 1 THEN bp.path[p.i - 1] END, p.stage, o.owner_id,
       o.stage_entered_at - (array_length(bp.path, 1) - p.i) * interval '10 days', o.amount, o.close_date,
       CASE WHEN s.is_won OR s.is_lost OR p.stage <> o.stage_key THEN s.probability ELSE coalesce(o.probability_override, s.probability) END,
       CASE WHEN s.is_won OR s.is_lost OR p.stage <> o.stage_key THEN s.forecast_category
            ELSE coalesce(o.forecast_category_override, s.forecast_category) END
FROM opportunities o JOIN bench_stage_paths bp ON bp.stage_key = o.stage_key
CROSS JOIN LATERAL unnest(bp.path) WITH ORDINALITY AS p(stage, i)
JOIN pipeline_stages s ON s.key = p.stage;

-- One audit entry per opportunity, as its creation would have written.
INSERT INTO audit_log (at, actor_id, entity, entity_id, action, changes)
SELECT o.created_at, o.owner_id, 'opportunity', o.id, 'create',
       jsonb_build_object('name', jsonb_build_object('old', NULL, 'new', o.name),
                          'stage', jsonb_build_object('old', NULL, 'new', o.stage_key),
                          'amount', jsonb_build_object('old', NULL, 'new', o.amount::text),
                          'closeDate', jsonb_build_object('old', NULL, 'new', o.close_date::text),
                          'ownerId', jsonb_build_object('old', NULL, 'new', o.owner_id),
                          'accountId', jsonb_build_object('old', NULL, 'new', o.account_id))
FROM opportunities o;

-- ------------------------------------------------------------------ catalog
INSERT INTO typical_projects (name, description, pricing_model, price, typical_duration_days)
SELECT t.name, 'A typical ' || lower(t.name) || ' engagement.', CASE WHEN t.n % 3 = 0 THEN 'hourly' ELSE 'fixed' END,
       CASE WHEN t.n % 3 = 0 THEN 180 ELSE 20000 + t.n * 5000 END, 60 + t.n * 5
FROM (VALUES (1, 'Network assessment'), (2, 'Cloud landing zone'), (3, 'Security audit'), (4, 'Data platform build'),
             (5, 'Structured cabling'), (6, 'Admin training'), (7, 'Disaster recovery plan'), (8, 'Wi-Fi survey and rollout'),
             (9, 'Firewall migration'), (10, 'ERP integration'), (11, 'Managed service onboarding'), (12, 'SOC2 readiness'))
     AS t(n, name);
INSERT INTO typical_project_phases (typical_project_id, position, name, offset_days, length_days, share_percent)
SELECT tp.id, ph.position, ph.name, ph.offset_days, ph.length_days, ph.share
FROM typical_projects tp
CROSS JOIN (VALUES (1, 'Discovery', 0, 14, 30.00), (2, 'Delivery', 14, 35, 50.00), (3, 'Handover', 49, 10, 20.00))
     AS ph(position, name, offset_days, length_days, share);
INSERT INTO typical_project_phase_skills (phase_id, skill_id, hours)
SELECT ph.id, (SELECT id FROM skills ORDER BY id OFFSET 1 + (ph.typical_project_id + ph.position) % 9 LIMIT 1), 20 + ph.position * 30
FROM typical_project_phases ph;
INSERT INTO typical_project_phase_skills (phase_id, skill_id, hours)
SELECT ph.id, (SELECT id FROM skills WHERE name = 'project management'), 8
FROM typical_project_phases ph
ON CONFLICT DO NOTHING;
INSERT INTO typical_project_checklist (typical_project_id, position, text)
SELECT tp.id, c.position, c.text FROM typical_projects tp
CROSS JOIN (VALUES (1, 'Kick-off held'), (2, 'Client sign-off received')) AS c(position, text);

-- ------------------------------------------------------------------ proposals and projects
-- About 5,000 won opportunities of the last two years became projects through an
-- accepted proposal; 20,000 open ones in proposal or negotiation have a sent proposal.
CREATE TEMP TABLE bench_won AS
SELECT o.id, o.account_id, o.name, o.amount, o.closed_on, o.owner_id, row_number() OVER (ORDER BY o.id) AS n
FROM opportunities o
WHERE o.stage_key = 'closed_won' AND o.closed_on >= current_date - 730 AND o.archived_at IS NULL AND o.id % 50 = 0;
CREATE TEMP TABLE bench_open_proposed AS
SELECT o.id, o.amount, o.close_date, o.owner_id, row_number() OVER (ORDER BY o.id) AS n
FROM opportunities o
WHERE o.stage_key IN ('proposal', 'negotiation') AND o.archived_at IS NULL AND o.id % 7 = 0
LIMIT 20000;

INSERT INTO proposals (opportunity_id, number, status, author_id, valid_until, proposed_start, subtotal, total, accepted_on,
                       created_at, updated_at)
SELECT w.id, 1, 'accepted', w.owner_id, w.closed_on + 30, w.closed_on + 14, w.amount, w.amount, w.closed_on,
       w.closed_on - interval '20 days', w.closed_on::timestamptz
FROM bench_won w;
INSERT INTO proposals (opportunity_id, number, status, author_id, valid_until, proposed_start, subtotal, total)
SELECT p.id, 1, 'sent', p.owner_id, p.close_date + 30, p.close_date + 14, p.amount, p.amount
FROM bench_open_proposed p;
INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
SELECT pr.id, 1, (SELECT id FROM typical_projects ORDER BY id OFFSET pr.opportunity_id % 12 LIMIT 1), 1, 'fixed', pr.total, pr.total
FROM proposals pr;
INSERT INTO proposal_events (proposal_id, action, from_status, to_status, actor_id, at)
SELECT pr.id, CASE pr.status WHEN 'accepted' THEN 'accept' ELSE 'send' END, CASE pr.status WHEN 'accepted' THEN 'sent' ELSE 'approved' END,
       pr.status, pr.author_id, pr.updated_at
FROM proposals pr;

INSERT INTO projects (name, account_id, opportunity_id, proposal_id, project_manager_id, status, start_date, contract_value,
                      completed_on, created_at, updated_at)
SELECT w.name, w.account_id, w.id, pr.id, pm.id,
       CASE WHEN w.closed_on + 14 + 59 < current_date THEN 'completed' WHEN w.n % 40 = 0 THEN 'on_hold' ELSE 'active' END,
       w.closed_on + 14, w.amount,
       CASE WHEN w.closed_on + 14 + 59 < current_date THEN w.closed_on + 14 + 59 END,
       w.closed_on::timestamptz, w.closed_on::timestamptz
FROM bench_won w JOIN proposals pr ON pr.opportunity_id = w.id AND pr.status = 'accepted'
JOIN bench_pms pm ON pm.n = 1 + w.n % 24;

-- Phases from the template, completed when due in the past (nine in ten on time).
INSERT INTO project_phases (project_id, position, name, typical_project_id, start_date, due_date, value, completed_on, completed_by)
SELECT j.id, tph.position, tph.name, tph.typical_project_id, j.start_date + tph.offset_days,
       j.start_date + tph.offset_days + tph.length_days, round(j.contract_value * tph.share_percent / 100, 2),
       CASE WHEN j.start_date + tph.offset_days + tph.length_days < current_date
            THEN j.start_date + tph.offset_days + tph.length_days + CASE WHEN (j.id + tph.position) % 10 = 0 THEN 6 ELSE -1 END END,
       CASE WHEN j.start_date + tph.offset_days + tph.length_days < current_date THEN j.project_manager_id END
FROM projects j JOIN proposal_lines l ON l.proposal_id = j.proposal_id
JOIN typical_project_phases tph ON tph.typical_project_id = l.typical_project_id;
-- A phase completed after today would be odd: keep completions in the past.
UPDATE project_phases SET completed_on = current_date - 1 WHERE completed_on >= current_date;
INSERT INTO project_skill_needs (phase_id, skill_id, hours)
SELECT ph.id, ps.skill_id, ps.hours
FROM project_phases ph JOIN typical_project_phases tph ON tph.typical_project_id = ph.typical_project_id AND tph.position = ph.position
JOIN typical_project_phase_skills ps ON ps.phase_id = tph.id;
INSERT INTO project_checklist_items (project_id, position, text, required, checked_at, checked_by)
SELECT j.id, c.position, c.text, c.required, CASE WHEN j.status = 'completed' THEN j.updated_at END,
       CASE WHEN j.status = 'completed' THEN j.project_manager_id END
FROM projects j JOIN proposal_lines l ON l.proposal_id = j.proposal_id
JOIN typical_project_checklist c ON c.typical_project_id = l.typical_project_id;
-- Two consultants on each phase of the projects still running.
INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
SELECT ph.project_id, c.id, 'consultant', ph.start_date, ph.due_date, 10 + ((ph.id * 3) % 4) * 5, 'confirmed'
FROM project_phases ph JOIN projects j ON j.id = ph.project_id AND j.status IN ('active', 'on_hold')
JOIN bench_consultants c ON c.n IN (1 + (ph.id * 11) % 57, 1 + (ph.id * 11 + 19) % 57);

-- ------------------------------------------------------------------ periods and quotas
INSERT INTO periods (key, kind, start_date, end_date)
SELECT y::text, 'year', make_date(y, 1, 1), make_date(y + 1, 1, 1) FROM generate_series(2024, 2028) y;
INSERT INTO periods (key, kind, start_date, end_date)
SELECT y || '-Q' || q, 'quarter', make_date(y, 3 * q - 2, 1), make_date(y, 3 * q - 2, 1) + interval '3 months'
FROM generate_series(2024, 2028) y, generate_series(1, 4) q;
INSERT INTO quotas (user_id, period_key, metric, target)
SELECT u.id, pe.key, m.metric, CASE m.metric WHEN 'total_bookings' THEN 3000000 ELSE 1800000 END + (u.id % 7) * 100000
FROM users u CROSS JOIN periods pe CROSS JOIN (VALUES ('total_bookings'), ('new_business')) AS m(metric)
WHERE (u.roles && ARRAY['account_manager', 'sales']) AND pe.kind = 'quarter' AND pe.start_date >= '2025-01-01'
  AND pe.start_date < '2028-01-01';
INSERT INTO quotas (user_id, period_key, metric, target)
SELECT u.id, pe.key, 'completed_work', 900000
FROM users u CROSS JOIN periods pe
WHERE 'project_manager' = ANY(u.roles) AND pe.kind = 'quarter' AND pe.start_date >= '2025-01-01' AND pe.start_date < '2028-01-01';

-- ------------------------------------------------------------------ indexes back on
SELECT def FROM bench_saved_indexes \gexec

-- Hint bits, visibility map and statistics, as a database that has lived a while.
VACUUM (ANALYZE);
SELECT (SELECT count(*) FROM users) AS people, (SELECT count(*) FROM accounts) AS accounts,
       (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM opportunities) AS opportunities,
       (SELECT count(*) FROM opportunity_team) AS team_rows, (SELECT count(*) FROM opportunity_stage_history) AS history_rows,
       (SELECT count(*) FROM audit_log) AS audit_rows, (SELECT count(*) FROM projects) AS projects,
       (SELECT count(*) FROM proposals) AS proposals, (SELECT count(*) FROM assignments) AS assignments;
