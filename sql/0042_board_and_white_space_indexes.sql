-- Two covering indexes for the pages at a million deals (issue 19, item 11).

-- The account page's white space reads every won deal's name of every account of the
-- account's industry (issue 19, item 11). Without this index PostgreSQL found them from
-- the stage: all 250,000 won deals at the benchmark's size, hashed against the industry's
-- 1,250 accounts (270 ms warm, 2 s cold). With the stage and the name beside the
-- account it reads each account's won deals from the index alone (78 ms warm).
CREATE INDEX opportunities_account_stage_idx ON opportunities (account_id, stage_key) INCLUDE (name);

-- The pipeline board's column totals count and sum every open deal of the period (a
-- quarter holds 97,000 deals at the benchmark's size, 55,000 of them open); with what
-- they read beside the close date they come from the index alone: 117 -> 50 ms.
CREATE INDEX opportunities_board_totals_idx ON opportunities (close_date)
    INCLUDE (stage_key, amount, probability_override, archived_at, owner_id, account_id);

-- The board's cards are each stage's 50 soonest closing, ordered by (close date, id):
-- with the id in the index a stage's walk stops at 50 rows. Without it, for every open
-- deal, PostgreSQL walked opportunities_close_idx for the exact order and passed the
-- 486,000 deals that close earlier (mostly closed ones) per stage: 5.5 s -> 8 ms.
CREATE INDEX opportunities_stage_close_id_idx ON opportunities (stage_key, close_date, id);
