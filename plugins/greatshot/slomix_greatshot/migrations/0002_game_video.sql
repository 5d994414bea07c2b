-- The optional second renderer's video (a game client on a render machine, [plugins.greatshot]
-- render_command), beside our top-down one.
ALTER TABLE highlights ADD COLUMN game_video_path text;
ALTER TABLE demo_jobs DROP CONSTRAINT demo_jobs_stage_check;
ALTER TABLE demo_jobs ADD CONSTRAINT demo_jobs_stage_check CHECK (stage IN ('analyse', 'clip', 'render', 'game_render'));
