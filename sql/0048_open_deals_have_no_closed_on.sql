-- An open deal has no date of record of a win or loss (`closed_on`), so its month of
-- record (month_of_record(closed_on, close_date), the month the kept totals file it
-- under) is its close date's month. The pipeline board reads a period's column totals
-- from those kept monthly totals on that ground (OpportunityStore.boardTotals): a
-- quarter's 55,000 open deals summed from opportunities took 31-112 ms at a million
-- deals, the quarter's rows of opportunity_stage_totals take a few milliseconds.
--
-- Every writer already keeps it: a move to an open stage (reopening included) clears
-- closed_on (StageRules.closing), imports give it only for won and lost rows, deals
-- brought in with their history are refused one (HistoricDeal.check), and a stage's kind
-- cannot change while any deal uses it. The constraint holds the rest (straight SQL, a
-- future writer) to it: such a write is refused, not filed under the wrong month.
--
-- Added NOT VALID and then validated: the check of the existing rows is one scan, not a
-- rewrite of the table (0.4 s at a million deals). The migrator runs this file in one
-- transaction, so the table stays locked for that scan; an operator who must keep a busy
-- database writing can run the two statements in separate transactions, and the scan
-- then holds only a lock that lets reads and writes go on.
ALTER TABLE opportunities ADD CONSTRAINT opportunities_open_not_closed CHECK (NOT is_open OR closed_on IS NULL) NOT VALID;
ALTER TABLE opportunities VALIDATE CONSTRAINT opportunities_open_not_closed;
