--[[
slomix_proximity.lua: Slomix proximity tracker for ET:Legacy servers (Lua 5.4).

While a round is played it records where everyone is and what happens where:
  * each player's position, view angles, health, weapon and stance, sampled at a fixed rate
    (default 5 Hz; players are spread over the frames so no frame samples everybody);
  * every damage event with the attacker's and the target's positions (et_Damage);
  * every kill with both positions and the distance (et_Obituary);
  * revives (with the medic), spawns, the respawn-wave schedule of each team, disconnects;
  * objective events from the engine's console lines (dynamite planted/defused, objectives
    destroyed, constructions, flags taken, announcements).
Lines are appended to a hidden temporary file while the round runs (memory stays bounded);
at the round end a footer is added and the file is renamed to
    <fs_homepath>/<fs_game>/proximity/proximity-<map>-R<n>-<round_end_unix>.txt
which the Slomix SFTP poller fetches. The format is described in plugins/proximity/FORMAT.md;
its header names the format version and the capabilities recorded, so that "not recorded"
is never read as zero.

Configuration: a file slomix_proximity_config.lua in <fs_homepath>/<fs_game>/luascripts/
(or under fs_basepath) returning a table of overrides, e.g. return { sample_hz = 10 }.

Rules this module keeps (spec lua-proximity-web §A1.0): no hook returns a value (a value
from et_Obituary would stop every module loaded after this one), every hook runs inside
pcall so an error is reported on the console and never reaches the game, and nothing needs
to survive a map_restart (a round is recorded between two of them).
]]

local VERSION = "1.0.0"
local FORMAT = 1
local MODNAME = "slomix_proximity"
local CONFIG_FILE = "slomix_proximity_config.lua"

local GS_PLAYING, GS_INTERMISSION = 0, 3
local CS_LEVEL_START_TIME, CS_REINFSEEDS, CS_SERVERTOGGLES = 11, 31, 32
local PAUSED = 1 << 4 -- the engine's "paused" server toggle
local TEAM_AXIS, TEAM_ALLIES = 1, 2
local CONNECTED = 2
-- ps.eFlags bits (bg_public.h); ps.pm_flags 512/16384 are PMF_RESPAWNED/PMF_LIMBO, not stances.
local EF_CROUCHING, EF_PRONE = 0x10, 0x80000
-- The engine's reinforcement divisors (bg_misc.c aReinfSeeds) and packing shifts (bg_public.h).
local REINF_SEEDS = { 11, 3, 13, 7, 2, 5, 1, 17 }
local REINF_BLUEDELT, REINF_REDDELT = 3, 2
local OBJECTIVE_LINES = {
    Dynamite_Plant = "dynamite_plant", Dynamite_Diffuse = "dynamite_defuse",
    Objective_Destroyed = "objective_destroyed", Repair = "repair",
}

local DEFAULTS = {
    enabled = true,
    sample_hz = 5,              -- position samples per player per second
    output_dir = "",            -- "" = <fs_homepath>/<fs_game>/proximity
    record_samples = true,
    record_view = true,         -- view angles in the samples
    record_damage = true,
    record_objectives = true,
    max_lines = 600000,         -- body lines per round (a 20-minute 6v6 round writes ~75 000)
    flush_lines = 512,          -- lines buffered before they are written
    roster_slots_per_frame = 4, -- client slots re-read each frame for team, class and name
    max_errors = 20,            -- errors reported on the console per round before going quiet
}

local config = {}
for k, v in pairs(DEFAULTS) do config[k] = v end

local function log(text)
    et.G_Print(MODNAME .. ": " .. text .. "\n")
end

local function cvar(name)
    return et.trap_Cvar_Get(name) or ""
end

local function cvar_int(name, default)
    return math.tointeger(tonumber(cvar(name))) or default
end

local function max_clients()
    return math.min(cvar_int("sv_maxclients", 64), 64)
end

------------------------------------------------------------------------------------------
-- Configuration and the output folder
------------------------------------------------------------------------------------------

local function game_folders()
    local game = cvar("fs_game")
    if game == "" then game = "legacy" end
    local folders = {}
    for _, base in ipairs({ cvar("fs_homepath"), cvar("fs_basepath") }) do
        if base:sub(1, 1) == "/" then folders[#folders + 1] = base .. "/" .. game end
    end
    folders[#folders + 1] = "/home/et/.etlegacy/" .. game
    return folders
end

-- The first config file found wins; unknown keys and wrong types are reported and skipped. (As in
-- slomix_round_end.lua: each module is one file on the server, in its own VM, so nothing is shared.)
local function load_config()
    for k, v in pairs(DEFAULTS) do config[k] = v end
    for _, folder in ipairs(game_folders()) do
        local path = folder .. "/luascripts/" .. CONFIG_FILE
        local probe = io.open(path, "r")
        if probe then
            probe:close()
            local chunk, problem = loadfile(path, "t", {})
            local ok, overrides = false, problem
            if chunk then ok, overrides = pcall(chunk) end
            if not ok or type(overrides) ~= "table" then
                log("ignoring " .. path .. ": " .. tostring(ok and "it must return a table" or overrides))
                return
            end
            for key, value in pairs(overrides) do
                if DEFAULTS[key] == nil then
                    log("config: unknown key " .. tostring(key))
                elseif type(value) ~= type(DEFAULTS[key]) then
                    log("config: " .. key .. " must be a " .. type(DEFAULTS[key]))
                else
                    config[key] = value
                end
            end
            return
        end
    end
end

local function output_folder()
    local folder = config.output_dir
    if folder == "" then folder = game_folders()[1] .. "/proximity" end
    os.execute("mkdir -p '" .. folder:gsub("'", "'\\''") .. "'")
    return folder
end

local function capabilities()
    local list = { "kills", "revives", "spawns", "waves", "disconnects" }
    if config.record_samples then
        list[#list + 1] = "samples"
        list[#list + 1] = "health"
        list[#list + 1] = "weapon"
        list[#list + 1] = "stance"
        if config.record_view then list[#list + 1] = "view" end
    end
    if config.record_damage then list[#list + 1] = "damage" end
    if config.record_objectives then list[#list + 1] = "objectives" end
    table.sort(list)
    return table.concat(list, ",")
end

------------------------------------------------------------------------------------------
-- Reading the engine
------------------------------------------------------------------------------------------

-- Integers for %d: the engine hands coordinates and angles over as floats.
local function int(value)
    return math.floor((tonumber(value) or 0) + 0.5)
end

local function position(slot)
    local origin = et.gentity_get(slot, "ps.origin")
    return int(origin[1]), int(origin[2]), int(origin[3])
end

-- Tabs and line breaks would break the format; everything else of a name is kept.
local function clean_field(text)
    return (tostring(text or ""):gsub("[%c]", " "))
end

local function identity(slot)
    local guid = et.Info_ValueForKey(et.trap_GetUserinfo(slot), "cl_guid"):gsub("[^%w]", ""):sub(1, 32)
    if guid == "" then guid = "SLOT" .. slot end
    return guid, et.gentity_get(slot, "sess.sessionTeam"), et.gentity_get(slot, "sess.playerType"),
        clean_field(et.Q_CleanStr(et.gentity_get(slot, "pers.netname") or ""))
end

-- Each team's wave schedule: waves fall where (offset + t) % limbo == 0, t counted from the
-- level start (the engine's g_active.c test; offsets as g_match.c derives them from the seeds).
local function wave_schedule()
    local parts = {}
    for word in et.trap_GetConfigstring(CS_REINFSEEDS):gmatch("%S+") do
        parts[#parts + 1] = math.tointeger(tonumber(word))
    end
    local function offset(packed, shift)
        if #parts < 10 or not packed then return nil end
        local index = (packed >> shift) % 8
        local seed = parts[index + 3]
        return seed and (1000 * seed) // REINF_SEEDS[index + 1] or nil
    end
    return {
        [TEAM_AXIS] = { limbo = cvar_int("g_redlimbotime", 0), offset = offset(parts[2], REINF_REDDELT) },
        [TEAM_ALLIES] = { limbo = cvar_int("g_bluelimbotime", 0), offset = offset(parts[1], REINF_BLUEDELT) },
    }
end

------------------------------------------------------------------------------------------
-- The round being recorded
------------------------------------------------------------------------------------------

local state = { round = nil, errors = 0, cannot_write = false }

local function dash(value)
    if value == nil then return "-" end
    return value
end

local function emit(round, line)
    if round.lines >= config.max_lines then
        round.dropped = round.dropped + 1
        return
    end
    round.lines = round.lines + 1
    local buffer = round.buffer
    buffer[#buffer + 1] = line
    if #buffer >= config.flush_lines then
        round.file:write(table.concat(buffer, "\n"), "\n")
        round.buffer = {}
    end
end

local function flush(round)
    if #round.buffer > 0 then
        round.file:write(table.concat(round.buffer, "\n"), "\n")
        round.buffer = {}
    end
end

-- The round clock: level time since the level start. The engine moves CS_LEVEL_START_TIME on
-- while paused (g_main.c), so this clock leaves pauses out, as the respawn waves do.
local function now_ms(round)
    return round.t
end

-- A P line whenever a slot's player, team, class or name differs from what was last written.
local function note_identity(round, slot)
    local guid, team, class, name = identity(slot)
    local known = round.players[slot]
    if team ~= TEAM_AXIS and team ~= TEAM_ALLIES then
        round.players[slot] = nil
        if known then emit(round, string.format("P\t%d\t%d\t%s\t%d\t%d\t%s", now_ms(round), slot, guid, team,
                                                class, name)) end
        return nil
    end
    if not known or known.guid ~= guid or known.team ~= team or known.class ~= class or known.name ~= name then
        emit(round, string.format("P\t%d\t%d\t%s\t%d\t%d\t%s", now_ms(round), slot, guid, team, class, name))
        local next_sample = known and known.next_sample or round.next_slot_sample(slot)
        known = { guid = guid, team = team, class = class, name = name, next_sample = next_sample }
        round.players[slot] = known
    end
    return known
end

local function check_roster(round, count)
    local slots = max_clients()
    for _ = 1, math.min(count, slots) do
        local slot = round.roster_cursor % slots
        round.roster_cursor = round.roster_cursor + 1
        local known = round.players[slot]
        if et.gentity_get(slot, "pers.connected") == CONNECTED then
            -- Only a team change is looked for here: names change through et_ClientUserinfoChanged,
            -- classes at a spawn.
            local team = et.gentity_get(slot, "sess.sessionTeam")
            if (known and known.team ~= team) or (not known and (team == TEAM_AXIS or team == TEAM_ALLIES)) then
                note_identity(round, slot)
            end
        elseif known then
            round.players[slot] = nil
            emit(round, string.format("X\t%d\t%d", now_ms(round), slot))
        end
    end
end

local function check_waves(round)
    local schedule = wave_schedule()
    for _, team in ipairs({ TEAM_AXIS, TEAM_ALLIES }) do
        local wave, last = schedule[team], round.waves[team]
        if not last or last.limbo ~= wave.limbo or last.offset ~= wave.offset then
            emit(round, string.format("L\t%d\t%d\t%s\t%s", now_ms(round), team,
                                      wave.limbo > 0 and wave.limbo or "-", dash(wave.offset)))
            round.waves[team] = wave
        end
    end
end

local function sample(round, slot)
    local health = et.gentity_get(slot, "health")
    if health <= 0 then return end -- dead or in limbo: nothing to place
    local x, y, z = position(slot)
    local flags = et.gentity_get(slot, "ps.eFlags")
    local stance = (flags & EF_PRONE ~= 0) and 2 or (flags & EF_CROUCHING ~= 0) and 1 or 0
    local weapon = et.gentity_get(slot, "ps.weapon")
    if config.record_view then
        local angles = et.gentity_get(slot, "ps.viewangles")
        local yaw = int(angles[2]) % 360
        if yaw > 180 then yaw = yaw - 360 end
        emit(round, string.format("S\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d", now_ms(round), slot, x, y, z, yaw,
                                  int(angles[1]), health, weapon, stance))
    else
        emit(round, string.format("S\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d", now_ms(round), slot, x, y, z, health, weapon,
                                  stance))
    end
end

local function sample_due(round)
    local interval, t = round.sample_ms, round.t
    for slot, player in pairs(round.players) do
        if player.next_sample <= t then
            player.next_sample = player.next_sample + interval
            if player.next_sample <= t then player.next_sample = t + interval end
            sample(round, slot)
        end
    end
end

local function begin(t)
    local map = cvar("mapname")
    local number = cvar_int("g_currentRound", 0) + 1 -- during play 0 means the first half
    local folder = output_folder()
    local temporary = string.format("%s/.proximity-%d.tmp", folder, os.time())
    local file, problem = io.open(temporary, "wb")
    if not file then
        log("cannot write " .. temporary .. ": " .. tostring(problem) .. "; this round is not recorded")
        state.cannot_write = true
        return nil
    end
    local frame_ms = math.max(1, 1000 // math.max(1, cvar_int("sv_fps", 20)))
    local sample_ms = math.max(frame_ms, 1000 // math.max(1, config.sample_hz))
    local phases = math.max(1, sample_ms // frame_ms)
    local round = {
        file = file, temporary = temporary, folder = folder, map = map, number = number,
        t = t, start_unix = os.time(), sample_ms = sample_ms,
        -- Each slot keeps its own phase, so a frame samples about 1/phases of the players even
        -- right after a respawn wave: the next sample time of a slot on its grid.
        next_slot_sample = function(slot)
            local now = state.round and state.round.t or t
            return now + (t + (slot % phases) * frame_ms - now) % sample_ms
        end,
        lines = 0, dropped = 0, buffer = {}, players = {}, waves = {}, roster_cursor = 0,
        next_waves = t, next_flush = t + 1000,
    }
    file:write(string.format(
        "# slomix-proximity %d\n# tracker=%s\n# map=%s\n# round=%d\n# start_unix=%d\n# sample_ms=%d\n"
        .. "# capabilities=%s\n# samples=%s\n# server=%s\n", FORMAT, VERSION, clean_field(map), number,
        round.start_unix, sample_ms, capabilities(),
        config.record_view and "t,slot,x,y,z,yaw,pitch,health,weapon,stance" or "t,slot,x,y,z,health,weapon,stance",
        clean_field(cvar("sv_hostname"))))
    state.round = round
    check_roster(round, max_clients())
    check_waves(round)
    -- Who is alive when recording starts spawned before it (at the map_restart): a W line each,
    -- so that every life in the file starts with a W or an R line.
    for slot = 0, max_clients() - 1 do
        local player = round.players[slot]
        if player and et.gentity_get(slot, "health") > 0 then
            local x, y, z = position(slot)
            emit(round, string.format("W\t%d\t%d\t%d\t%d\t%d\t%d\t%d", 0, slot, player.team, player.class, x, y, z))
        end
    end
    return round
end

local function finish(round, how)
    state.round = nil
    local end_unix = os.time()
    flush(round)
    round.file:write(string.format("# end=%s\n# end_unix=%d\n# duration_ms=%d\n# lines=%d\n# dropped=%d\n",
                                   how, end_unix, now_ms(round), round.lines, round.dropped))
    round.file:close()
    local name = string.format("proximity-%s-R%d-%d.txt", round.map:gsub("[^%w_%-]", "_"), round.number, end_unix)
    local ok, problem = os.rename(round.temporary, round.folder .. "/" .. name)
    if not ok then
        log("cannot rename " .. round.temporary .. ": " .. tostring(problem))
        return
    end
    log(string.format("%s R%d: %d lines%s -> %s", round.map, round.number, round.lines,
                      round.dropped > 0 and string.format(" (%d dropped over max_lines)", round.dropped) or "",
                      name))
end

local function abandon(round)
    state.round = nil
    round.file:close()
    os.remove(round.temporary)
end

------------------------------------------------------------------------------------------
-- Engine hooks: each runs under pcall and none returns a value.
------------------------------------------------------------------------------------------

local function guarded(hook, body)
    return function(...)
        local ok, problem = pcall(body, ...)
        if not ok then
            state.errors = state.errors + 1
            if state.errors <= config.max_errors then
                log(hook .. " failed: " .. tostring(problem))
            end
        end
    end
end

local function active()
    local round = state.round
    if round and cvar_int("gamestate", -1) == GS_PLAYING then return round end
    return nil
end

local function is_client(slot)
    return slot >= 0 and slot < max_clients()
end

et_InitGame = guarded("et_InitGame", function(_level_time, _seed, _restart)
    et.RegisterModname(MODNAME .. " " .. VERSION)
    load_config()
    state.round, state.errors, state.cannot_write = nil, 0, false
end)

et_ClientUserinfoChanged = guarded("et_ClientUserinfoChanged", function(slot)
    local round = active()
    if round and round.players[slot] then note_identity(round, slot) end
end)

et_RunFrame = guarded("et_RunFrame", function(level_time)
    if not config.enabled then return end
    local gamestate = cvar_int("gamestate", -1)
    local round = state.round
    if gamestate == GS_PLAYING then
        local level_start = math.tointeger(tonumber(et.trap_GetConfigstring(CS_LEVEL_START_TIME))) or 0
        if not round then
            if state.cannot_write or level_time < level_start then return end
            round = begin(level_time - level_start)
            if not round then return end
        end
        -- Never backwards: the start time moves in 500 ms steps during a pause.
        round.t = math.max(round.t, level_time - level_start)
        local toggles = math.tointeger(tonumber(et.trap_GetConfigstring(CS_SERVERTOGGLES))) or 0
        if toggles & PAUSED ~= 0 then return end -- nobody moves; the clock stands
        check_roster(round, config.roster_slots_per_frame)
        if config.record_samples then sample_due(round) end
        if round.t >= round.next_waves then
            round.next_waves = round.t + 1000
            check_waves(round)
        end
        if round.t >= round.next_flush then
            round.next_flush = round.t + 1000
            flush(round)
        end
    elseif gamestate == GS_INTERMISSION and round then
        finish(round, "intermission")
    end
end)

et_ShutdownGame = guarded("et_ShutdownGame", function(restart)
    local round = state.round
    if not round then return end
    if restart == 0 then
        finish(round, "shutdown") -- the map changed before an intermission frame
    else
        abandon(round)            -- a map_restart in play: the round is replayed from the start
    end
end)

et_ClientSpawn = guarded("et_ClientSpawn", function(slot, revived, _team_change, _restore_health)
    local round = active()
    if not round or not is_client(slot) then return end
    local player = note_identity(round, slot)
    if not player then return end
    local x, y, z = position(slot)
    if revived == 1 then
        local ok, medic = pcall(et.gentity_get, slot, "pers.lastrevive_client")
        emit(round, string.format("R\t%d\t%d\t%s\t%d\t%d\t%d", now_ms(round), slot,
                                  ok and math.tointeger(medic) or "-", x, y, z))
    else
        emit(round, string.format("W\t%d\t%d\t%d\t%d\t%d\t%d\t%d", now_ms(round), slot, player.team, player.class,
                                  x, y, z))
    end
    player.next_sample = round.next_slot_sample(slot) -- the W or R line holds the first position
end)

et_ClientDisconnect = guarded("et_ClientDisconnect", function(slot)
    local round = active()
    if round and round.players[slot] then
        round.players[slot] = nil
        emit(round, string.format("X\t%d\t%d", now_ms(round), slot))
    end
end)

et_Damage = guarded("et_Damage", function(target, attacker, damage, _flags, means_of_death)
    local round = active()
    if not round or not config.record_damage or not is_client(target) or not round.players[target] then return end
    local tx, ty, tz = position(target)
    if is_client(attacker) then
        local ax, ay, az = position(attacker)
        emit(round, string.format("D\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d", now_ms(round), attacker, target,
                                  damage, means_of_death, ax, ay, az, tx, ty, tz))
    else
        emit(round, string.format("D\t%d\t%d\t%d\t%d\t%d\t-\t-\t-\t%d\t%d\t%d", now_ms(round), attacker, target,
                                  damage, means_of_death, tx, ty, tz))
    end
    -- Nothing is returned: 1 would cancel the damage.
end)

et_Obituary = guarded("et_Obituary", function(victim, killer, means_of_death)
    local round = active()
    if not round or not is_client(victim) then return end
    local vx, vy, vz = position(victim)
    if is_client(killer) and killer ~= victim then
        local kx, ky, kz = position(killer)
        local distance = int(math.sqrt((kx - vx) ^ 2 + (ky - vy) ^ 2 + (kz - vz) ^ 2))
        emit(round, string.format("K\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d", now_ms(round), victim, killer,
                                  means_of_death, vx, vy, vz, kx, ky, kz, distance))
    else
        emit(round, string.format("K\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t-\t-\t-\t-", now_ms(round), victim, killer,
                                  means_of_death, vx, vy, vz))
    end
    -- Nothing is returned here: a value would stop every module after this one (spec §A1.0).
end)

et_Print = guarded("et_Print", function(text)
    local round = active()
    if not round or not config.record_objectives then return end
    local kind, slot, rest = text:match("^(%a[%w_]*): (%d+)%s*(.-)%s*$")
    kind = OBJECTIVE_LINES[kind or ""] or (kind == "Item" and rest:match("^team_CTF_%a+flag") and "flag_taken")
    local message = nil
    if not kind then
        message = text:match('^legacy announce: "(.-)"%s*$')
        if not message then return end
        kind, slot, rest = "announce", "-1", message
    end
    slot = math.tointeger(tonumber(slot))
    local x, y, z = "-", "-", "-"
    if is_client(slot) and round.players[slot] then x, y, z = position(slot) end
    emit(round, string.format("O\t%d\t%s\t%d\t%s\t%s\t%s\t%s", now_ms(round), kind, slot, x, y, z,
                              clean_field(et.Q_CleanStr(rest))))
end)
