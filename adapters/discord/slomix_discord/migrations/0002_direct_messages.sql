-- An announcement with a recipient is a direct message to that Discord user, not a channel post.
ALTER TABLE announcements ADD COLUMN recipient bigint;
