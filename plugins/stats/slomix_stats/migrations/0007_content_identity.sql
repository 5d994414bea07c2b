-- A file is known by its content as well as by its name: the same bytes under another name
-- (a stats file renamed to another timestamp) must not count twice.
CREATE INDEX files_sha256 ON files (sha256);
