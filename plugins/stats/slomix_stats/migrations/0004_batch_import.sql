-- Weapon rows are most of what an import writes (about 56 per round), and each foreign key
-- check costs a lookup per row: the (round_id, guid) key to player_rounds 27 µs, the round_id
-- key to rounds 3.5 µs, together most of a batch's time. Weapon rows are only written by the
-- statements that write their players (store.py); what the keys still did, removing a
-- round's weapon rows with the round, a statement-level trigger does once per DELETE.
ALTER TABLE weapon_rounds DROP CONSTRAINT weapon_rounds_round_id_guid_fkey;
ALTER TABLE weapon_rounds DROP CONSTRAINT weapon_rounds_round_id_fkey;

CREATE FUNCTION drop_weapon_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM stats.weapon_rounds w USING gone WHERE w.round_id = gone.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER rounds_drop_weapon_rows AFTER DELETE ON rounds
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION drop_weapon_rows();

-- Sessions for many new rounds in one round trip (a batch of imported files), oldest first.
CREATE FUNCTION assign_sessions(ids bigint[], times timestamp[], gap interval)
RETURNS TABLE (round_id bigint, started timestamp) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        PERFORM stats.assign_session(ids[i], times[i], gap);
    END LOOP;
    RETURN QUERY SELECT r.id, r.session_start FROM stats.rounds r WHERE r.id = ANY (ids);
END
$$;
