-- Global search (issue 19, item 3): one box in every page's header finds accounts,
-- contacts, deals, projects and people by any part of a name, email, domain or phone.
-- The search matches "anywhere in the value" (ILIKE '%text%'), which only trigram
-- indexes answer without reading the whole table; account names and domains, contact
-- names and deal names have theirs since 0004/0005. Phones are matched on their
-- digits alone, so "555 0123", "5550123" and "+1 (555) 012-3" find the same contact.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX contacts_email_trgm_idx ON contacts USING gin (email gin_trgm_ops);
CREATE INDEX contacts_phone_digits_trgm_idx ON contacts
    USING gin ((regexp_replace(phone, '[^0-9]', '', 'g')) gin_trgm_ops);
CREATE INDEX projects_name_trgm_idx ON projects USING gin (name gin_trgm_ops);
CREATE INDEX users_name_trgm_idx ON users USING gin (name gin_trgm_ops);
CREATE INDEX users_email_trgm_idx ON users USING gin (email gin_trgm_ops);
