-- One rule for a player's name, wherever it is shown or searched (issue 14).
--
-- plain_name: a name as the game shows it. ET's Q_CleanStr treats "^" followed by any
-- character but "^" as a colour code ("^/fnx^d NO MERCY" reads "fnx NO MERCY"); the parser's
-- clean_name strips only "^" + letter/digit (spec §1.10.12) and stays as the predecessor had
-- it. Control characters and bidirectional overrides are dropped too: a name must not be able
-- to reorder or hide the text around it. The raw name stays in player_rounds.name.
CREATE FUNCTION plain_name(raw text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(regexp_replace(raw, '\^[^^]', '', 'g'),
                                '[\x01-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]', '', 'g'))
$$;

-- A player's name when it is shown: plain, or (a name of colour codes only) the GUID's first
-- eight characters.
CREATE FUNCTION shown_name(guid text, raw text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(nullif(stats.plain_name(raw), ''), left(guid, 8))
$$;

-- Aliases are the shown names a GUID played under.
TRUNCATE aliases;
INSERT INTO aliases (guid, alias, first_seen, last_seen)
SELECT p.guid, shown_name(p.guid, p.name), min(r.round_time), max(r.round_time)
FROM player_rounds p JOIN rounds r ON r.id = p.round_id
GROUP BY 1, 2;

-- How many rounds each GUID played under each raw spelling, kept by triggers on player_rounds
-- (every write path: new rounds, a rewritten R2, a dropped round), so the name rule needs no
-- rebuild and reads a few rows per player.
CREATE TABLE name_uses (
    guid      text NOT NULL,
    raw       text NOT NULL,
    rounds    integer NOT NULL,
    last_seen timestamp NOT NULL,
    PRIMARY KEY (guid, raw)
);

INSERT INTO name_uses (guid, raw, rounds, last_seen)
SELECT p.guid, p.name, count(*), max(r.round_time)
FROM player_rounds p JOIN rounds r ON r.id = p.round_id
GROUP BY 1, 2;

CREATE FUNCTION count_name_uses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats.name_uses AS u (guid, raw, rounds, last_seen)
        SELECT n.guid, n.name, count(*), max(r.round_time)
        FROM added n JOIN stats.rounds r ON r.id = n.round_id GROUP BY 1, 2
        ON CONFLICT (guid, raw) DO UPDATE
        SET rounds = u.rounds + EXCLUDED.rounds, last_seen = GREATEST(u.last_seen, EXCLUDED.last_seen);
    ELSE
        UPDATE stats.name_uses u SET rounds = u.rounds - g.n
        FROM (SELECT guid, name, count(*) AS n FROM gone GROUP BY 1, 2) g
        WHERE u.guid = g.guid AND u.raw = g.name;
        DELETE FROM stats.name_uses WHERE rounds <= 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER player_rounds_name_uses_added AFTER INSERT ON player_rounds
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_name_uses();
CREATE TRIGGER player_rounds_name_uses_gone AFTER DELETE ON player_rounds
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION count_name_uses();

-- What every surface shows (api.display_names): the linked account's chosen name (!setname),
-- else the shown name of most rounds, the latest of equals; ``raw`` is that name's most used
-- spelling, with its colours, for the web. Filter it by guid.
CREATE VIEW display_names AS
WITH named AS (
    SELECT guid, shown_name(guid, raw) AS name, sum(rounds) AS rounds, max(last_seen) AS last_seen,
           (array_agg(raw ORDER BY rounds DESC, last_seen DESC, raw))[1] AS raw
    FROM name_uses GROUP BY 1, 2
), best AS (
    SELECT DISTINCT ON (guid) guid, name, raw FROM named ORDER BY guid, rounds DESC, last_seen DESC, name
)
SELECT b.guid, coalesce(l.display_name, b.name) AS name, b.raw, l.display_name IS NOT NULL AS chosen
FROM best b LEFT JOIN links l ON l.guid = b.guid;
