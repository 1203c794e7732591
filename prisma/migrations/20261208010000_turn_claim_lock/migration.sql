-- A prompt's claim starts a turn only while its team runs fewer turns than its cap, in any portal
-- process. The event writer's batch statement calls this for such a claim: it takes the team's lock
-- (held until the statement's transaction ends) and only then counts, in a snapshot of its own (a
-- VOLATILE function's queries each take a fresh one), so it sees every turn another process started.
-- One round trip, where a transaction around the lock and the statement took four.
CREATE FUNCTION "portal_running_turns_locked"(team text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('turns:' || team));
  RETURN (SELECT count(*) FROM sessions WHERE team_id = team AND status = 'running');
END $$;
