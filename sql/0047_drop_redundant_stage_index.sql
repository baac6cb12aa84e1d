-- opportunities_stage_idx (stage_key, close_date), from 0005, is a prefix of 0042's
-- opportunities_stage_close_id_idx (stage_key, close_date, id): every look-up it served,
-- the longer one serves as well, and a second copy of the same keys costs each deal's
-- insert and stage move an index write for nothing.
DROP INDEX IF EXISTS opportunities_stage_idx;
