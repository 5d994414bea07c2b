-- Tracks read from demos (source 'demo'): the demo's bytes are kept by the plugin that stored the
-- demo, so a demo's row here has no data; one demo may hold several rounds (R1 and R2 of a match).

ALTER TABLE files ALTER COLUMN data DROP NOT NULL;
ALTER TABLE rounds DROP CONSTRAINT rounds_file_id_key;
CREATE INDEX rounds_file ON rounds (file_id);
