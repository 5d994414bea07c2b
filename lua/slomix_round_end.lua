--[[
slomix_round_end.lua: Slomix round-end reporter for ET:Legacy servers (Lua 5.4).

At the end of every round it measures what the stats file cannot (real play time without
pauses, warmup, end reason, surrender caller, the teams at the exact round end, spawn and
death timings) and
  * POSTs it as JSON to Slomix (POST /api/ingest/round-end), signed with HMAC-SHA256 over
    "<timestamp>.<body>", from a background curl so the server never waits; every payload
    is first written to a retry buffer on disk and re-sent until Slomix answers 2xx;
  * writes gametime-<map>-R<n>-<round_end_unix>.json beside the stats files, which the
    Slomix SFTP poller fetches as a fallback and for the per-player spawn list.

Configuration: a file slomix_round_end_config.lua in <fs_homepath>/<fs_game>/luascripts/
(or under fs_basepath) that returns a table of overrides, e.g.
    return { url = "https://stats.example.org/api/ingest/round-end", secret = "..." }
Without url and secret nothing is sent (the gametime file is still written).
See README.md beside this file.

Rules this module keeps (spec lua-proximity-web §A1.0): et_Obituary returns nothing (any
returned value stops the modules loaded after this one), no hook returns a value, and state
that must survive a map_restart (warmup start, running score) lives in cvars because every
map_restart reloads the module.
]]

local VERSION = "1.0.0"
local MODNAME = "slomix_round_end"
local CONFIG_FILE = "slomix_round_end_config.lua"

local GS_PLAYING, GS_WARMUP_COUNTDOWN, GS_WARMUP, GS_INTERMISSION = 0, 1, 2, 3
local CS_LEVEL_START_TIME, CS_MULTI_INFO, CS_MULTI_MAPWINNER, CS_SERVERTOGGLES = 11, 13, 14, 32
local PAUSED = 1 << 4 -- the engine's "paused" server toggle
local TEAM_AXIS, TEAM_ALLIES = 1, 2
local CONNECTED = 2
-- Kept in cvars: the module is reloaded at every map_restart (end of warmup, stopwatch R2).
local CVAR_WARMUP_START = "slomix_warmup_start"
local CVAR_SCORE_AXIS, CVAR_SCORE_ALLIES = "slomix_score_axis", "slomix_score_allies"

local DEFAULTS = {
    enabled = true,
    url = "",                      -- Slomix's POST /api/ingest/round-end
    secret = "",                   -- shared with Slomix's SLOMIX_WEBHOOK_SECRET
    curl = "curl",
    connect_timeout = 2,
    max_time = 10,
    retries = 3,
    gametimes_enabled = true,
    gametimes_dir = "",            -- "" = <homepath>/<fs_game>/gametimes
    pending_dir = "",              -- "" = <homepath>/<fs_game>/slomix-pending
    pending_max = 100,             -- payloads kept for retry; the oldest goes first
    pending_retry_seconds = 60,
    pending_grace_seconds = 35,    -- a send this young may still be in flight
    pending_max_age_seconds = 86400,
    spawn_check_ms = 500,
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

-- Shell arguments: one single-quoted word each.
local function quote(text)
    return "'" .. tostring(text):gsub("'", "'\\''") .. "'"
end

------------------------------------------------------------------------------------------
-- JSON (RFC 8259). Objects keep their key order: json_object("k1", v1, "k2", v2, ...).
------------------------------------------------------------------------------------------

local NULL = setmetatable({}, { __name = "json null" })
local OBJECT = { __name = "json object" }

local function json_object(...)
    return setmetatable(table.pack(...), OBJECT)
end

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function json_string(text)
    if not utf8.len(text) then
        -- Player names are often Latin-1 bytes: read them as such so the JSON stays valid UTF-8.
        text = text:gsub("[\128-\255]", function(c) return utf8.char(c:byte()) end)
    end
    return '"' .. text:gsub('[%c"\\]', function(c)
        return ESCAPES[c] or string.format("\\u%04x", c:byte())
    end) .. '"'
end

local function json_number(n)
    if math.type(n) == "integer" then
        return string.format("%d", n)
    elseif n ~= n or n == math.huge or n == -math.huge then
        return "null"
    elseif n == math.floor(n) and math.abs(n) < 2 ^ 53 then
        return string.format("%d", math.tointeger(n))
    end
    return (string.format("%.3f", n):gsub("0+$", ""))
end

local function json_encode(value)
    local kind = type(value)
    if value == nil or value == NULL then
        return "null"
    elseif kind == "boolean" then
        return tostring(value)
    elseif kind == "number" then
        return json_number(value)
    elseif kind == "string" then
        return json_string(value)
    end
    local parts = {}
    if getmetatable(value) == OBJECT then
        for i = 1, value.n, 2 do
            parts[#parts + 1] = json_string(value[i]) .. ":" .. json_encode(value[i + 1])
        end
        return "{" .. table.concat(parts, ",") .. "}"
    end
    for i = 1, #value do
        parts[i] = json_encode(value[i])
    end
    return "[" .. table.concat(parts, ",") .. "]"
end

------------------------------------------------------------------------------------------
-- SHA-256 and HMAC-SHA256 in pure Lua 5.4 (native 64-bit integers and bit operators), so
-- the secret never appears on a command line where `ps` would show it.
------------------------------------------------------------------------------------------

local K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
local MASK = 0xffffffff

local function rotr(x, n)
    return ((x >> n) | (x << (32 - n))) & MASK
end

local function sha256(message)
    local length = #message
    message = message .. "\128" .. string.rep("\0", (55 - length) % 64) .. string.pack(">I8", length * 8)
    local h0, h1, h2, h3 = 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
    local h4, h5, h6, h7 = 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    local w = {}
    for chunk = 1, #message, 64 do
        for i = 1, 16 do
            w[i] = string.unpack(">I4", message, chunk + (i - 1) * 4)
        end
        for i = 17, 64 do
            local x, y = w[i - 15], w[i - 2]
            local s0 = rotr(x, 7) ~ rotr(x, 18) ~ (x >> 3)
            local s1 = rotr(y, 17) ~ rotr(y, 19) ~ (y >> 10)
            w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & MASK
        end
        local a, b, c, d, e, f, g, h = h0, h1, h2, h3, h4, h5, h6, h7
        for i = 1, 64 do
            local s1 = rotr(e, 6) ~ rotr(e, 11) ~ rotr(e, 25)
            local choice = (e & f) ~ (~e & g)
            local t1 = (h + s1 + choice + K[i] + w[i]) & MASK
            local s0 = rotr(a, 2) ~ rotr(a, 13) ~ rotr(a, 22)
            local majority = (a & b) ~ (a & c) ~ (b & c)
            local t2 = (s0 + majority) & MASK
            h, g, f, e, d, c, b, a = g, f, e, (d + t1) & MASK, c, b, a, (t1 + t2) & MASK
        end
        h0, h1, h2, h3 = (h0 + a) & MASK, (h1 + b) & MASK, (h2 + c) & MASK, (h3 + d) & MASK
        h4, h5, h6, h7 = (h4 + e) & MASK, (h5 + f) & MASK, (h6 + g) & MASK, (h7 + h) & MASK
    end
    return string.pack(">I4I4I4I4I4I4I4I4", h0, h1, h2, h3, h4, h5, h6, h7)
end

local function hmac_sha256_hex(key, message)
    if #key > 64 then
        key = sha256(key)
    end
    key = key .. string.rep("\0", 64 - #key)
    local inner = key:gsub(".", function(c) return string.char(c:byte() ~ 0x36) end)
    local outer = key:gsub(".", function(c) return string.char(c:byte() ~ 0x5c) end)
    local digest = sha256(outer .. sha256(inner .. message))
    return (digest:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

------------------------------------------------------------------------------------------
-- Configuration and folders
------------------------------------------------------------------------------------------

local function game_name()
    local game = cvar("fs_game")
    return game ~= "" and game or "legacy"
end

-- <fs_homepath>/<fs_game>, else <fs_basepath>/<fs_game> (absolute paths only), else the default.
local function game_folders()
    local folders = {}
    for _, base in ipairs({ cvar("fs_homepath"), cvar("fs_basepath") }) do
        if base:sub(1, 1) == "/" then folders[#folders + 1] = base .. "/" .. game_name() end
    end
    folders[#folders + 1] = "/home/et/.etlegacy/" .. game_name()
    return folders
end

local function game_folder()
    return game_folders()[1]
end

-- The first config file that exists wins; a broken one is reported and ignored.
local function load_config()
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

local made_folders = {}

local function ensure_folder(path)
    if not made_folders[path] then
        os.execute("mkdir -p " .. quote(path))
        made_folders[path] = true
    end
    return path
end

local function folder_of(setting, default_name)
    local path = config[setting]
    if path == "" then path = game_folder() .. "/" .. default_name end
    return ensure_folder(path)
end

-- Write through a hidden temporary name and rename: a reader (the SFTP poller, the retry
-- sweep) never sees half a file.
local function write_atomically(path, data)
    local folder, name = path:match("^(.*)/([^/]+)$")
    local temporary = folder .. "/." .. name .. ".tmp"
    local file, problem = io.open(temporary, "wb")
    if not file then
        log("cannot write " .. temporary .. ": " .. tostring(problem))
        return false
    end
    file:write(data)
    file:close()
    return os.rename(temporary, path)
end

local function read_file(path)
    local file = io.open(path, "rb")
    if not file then return nil end
    local data = file:read("a")
    file:close()
    return data
end

------------------------------------------------------------------------------------------
-- Sending: a retry buffer on disk, a background curl per attempt, a sweep every minute
------------------------------------------------------------------------------------------

local function sending_configured()
    return config.enabled and config.url ~= "" and config.secret ~= ""
end

local function send(path)
    local body = read_file(path)
    if not body then return end
    local timestamp = tostring(os.time())
    local signature = "sha256=" .. hmac_sha256_hex(config.secret, timestamp .. "." .. body)
    os.remove(path .. ".exit")
    -- The subshell records curl's exit status beside the payload; `&` keeps the frame fast.
    os.execute(string.format(
        "(%s -sS -o /dev/null --fail --connect-timeout %d --max-time %d --retry %d --retry-delay 1 "
        .. "-H %s -H %s -H %s --data-binary @%s %s; echo $? > %s) >/dev/null 2>&1 &",
        quote(config.curl), config.connect_timeout, config.max_time, config.retries,
        quote("Content-Type: application/json"), quote("X-Slomix-Timestamp: " .. timestamp),
        quote("X-Slomix-Signature: " .. signature), quote(path), quote(config.url), quote(path .. ".exit")))
end

local function pending_names(folder)
    local names = {}
    local listing = io.popen("ls -1 " .. quote(folder) .. " 2>/dev/null")
    if listing then
        for name in listing:lines() do
            if name:match("^%d+%-[%w_%-]+%.json$") then names[#names + 1] = name end
        end
        listing:close()
    end
    table.sort(names) -- names start with the zero-padded creation time: oldest first
    return names
end

local function forget(path)
    os.remove(path)
    os.remove(path .. ".exit")
end

local function sweep(now)
    if not sending_configured() then return end
    local folder = folder_of("pending_dir", "slomix-pending")
    local names = pending_names(folder)
    while #names > config.pending_max do
        log("retry buffer full: dropping " .. names[1])
        forget(folder .. "/" .. table.remove(names, 1))
    end
    for _, name in ipairs(names) do
        local path = folder .. "/" .. name
        local age = now - tonumber(name:match("^(%d+)"))
        local status = read_file(path .. ".exit")
        status = status and status:match("%d+")
        if status == "0" then
            forget(path)
        elseif age > config.pending_max_age_seconds then
            log("giving up on " .. name .. " (last curl status " .. tostring(status) .. ")")
            forget(path)
        elseif status or age >= config.pending_grace_seconds then
            send(path) -- failed, or never finished (the module was reloaded mid-send)
        end
    end
end

local function enqueue(body, map_tag, round_number, end_unix)
    if not sending_configured() then return end
    local folder = folder_of("pending_dir", "slomix-pending")
    local path = string.format("%s/%010d-%s-R%d-%d.json", folder, os.time(), map_tag, round_number, end_unix)
    if write_atomically(path, body) then
        send(path)
    end
    local names = pending_names(folder)
    for i = 1, #names - config.pending_max do
        forget(folder .. "/" .. names[i])
    end
end

------------------------------------------------------------------------------------------
-- Players
------------------------------------------------------------------------------------------

local function max_clients()
    return math.min(cvar_int("sv_maxclients", 64), 64)
end

local function is_playing(slot)
    if et.gentity_get(slot, "pers.connected") ~= CONNECTED then return nil end
    local team = et.gentity_get(slot, "sess.sessionTeam")
    if team == TEAM_AXIS or team == TEAM_ALLIES then return team end
    return nil
end

local function guid_of(slot)
    return et.Info_ValueForKey(et.trap_GetUserinfo(slot), "cl_guid"):sub(1, 32)
end

local function name_of(slot)
    return et.Q_CleanStr(et.gentity_get(slot, "pers.netname") or "")
end

------------------------------------------------------------------------------------------
-- The round being measured
------------------------------------------------------------------------------------------

local state = { gamestate = nil, level_time = 0, round = nil, next_sweep = 0 }

local function new_round(now, level_time)
    local warmup_start = cvar_int(CVAR_WARMUP_START, now)
    et.trap_Cvar_Set(CVAR_WARMUP_START, "")
    return {
        start_unix = now, start_ms = level_time,
        warmup_start = math.min(warmup_start, now), warmup_seconds = math.max(0, now - warmup_start),
        pauses = {}, pause_start = nil,
        players = {},     -- guid -> spawns, deaths, dead_ms, max_ms, dead_since
        last_spawn = {},  -- slot -> last pers.lastSpawnTime seen
        next_scan = level_time,
        surrender = nil,  -- the last callvote surrender: guid, name, team
        emitted = false,
    }
end

local function record_of(round, slot)
    local guid = guid_of(slot)
    local record = round.players[guid]
    if not record then
        record = { guid = guid, name = "", spawns = 0, deaths = 0, dead_ms = 0, max_ms = 0 }
        round.players[guid] = record
    end
    record.name = name_of(slot)
    return record
end

local function scan_spawns(round, level_time)
    for slot = 0, max_clients() - 1 do
        if is_playing(slot) then
            local spawned = math.tointeger(et.gentity_get(slot, "pers.lastSpawnTime")) or 0
            local seen = round.last_spawn[slot]
            -- The first look at a slot counts a spawn only if it happened in this round.
            if spawned > 0 and spawned ~= seen and (seen or spawned >= round.start_ms - 1000) then
                local record = record_of(round, slot)
                record.spawns = record.spawns + 1
                if record.dead_since then
                    local gap = math.max(0, spawned - record.dead_since)
                    record.dead_ms = record.dead_ms + gap
                    record.max_ms = math.max(record.max_ms, gap)
                    record.dead_since = nil
                end
            end
            round.last_spawn[slot] = spawned
        end
    end
end

local function track_pause(round, now)
    local toggles = math.tointeger(tonumber(et.trap_GetConfigstring(CS_SERVERTOGGLES))) or 0
    local paused = toggles & PAUSED ~= 0
    if paused and not round.pause_start then
        round.pause_start = now
    elseif not paused and round.pause_start then
        local n = #round.pauses + 1
        -- os.time() has whole seconds: a pause lasts at least one.
        round.pauses[n] = { n = n, start = round.pause_start, ["end"] = now,
                            sec = math.max(1, now - round.pause_start) }
        round.pause_start = nil
    end
end

local function team_of_winner(configstring, key)
    local value = math.tointeger(tonumber(et.Info_ValueForKey(et.trap_GetConfigstring(configstring), key)))
    if value == 0 or value == 1 then return value + 1 end
    return 0
end

local function end_reason(duration, limit_seconds, surrender, winner)
    if limit_seconds > 0 and duration >= 0.9 * limit_seconds then
        return "time_expired"
    elseif surrender and surrender.team ~= 0 then
        return "surrender"
    elseif limit_seconds > 0 then
        return winner ~= 0 and "objective" or "surrender"
    end
    return "time_expired"
end

local function teams_now()
    local teams = { {}, {} }
    for slot = 0, max_clients() - 1 do
        local team = is_playing(slot)
        if team then
            local list = teams[team]
            list[#list + 1] = json_object("guid", guid_of(slot), "name", name_of(slot))
        end
    end
    return teams[TEAM_AXIS], teams[TEAM_ALLIES]
end

local function spawn_stats(round, end_ms)
    local list, spawns, dead_ms, deaths, max_ms = {}, 0, 0, 0, 0
    local guids = {}
    for guid in pairs(round.players) do guids[#guids + 1] = guid end
    table.sort(guids)
    for _, guid in ipairs(guids) do
        local r = round.players[guid]
        local dead = r.dead_ms
        local longest = r.max_ms
        if r.dead_since then -- still dead at the end: count the tail
            local tail = math.max(0, end_ms - r.dead_since)
            dead, longest = dead + tail, math.max(longest, tail)
        end
        local dead_seconds = dead // 1000
        list[#list + 1] = json_object(
            "guid", r.guid, "name", r.name, "spawns", r.spawns, "deaths", r.deaths,
            "dead_seconds", dead_seconds,
            "avg_respawn", r.deaths > 0 and math.floor(dead / r.deaths / 100 + 0.5) / 10 or 0,
            "max_respawn", longest // 1000)
        spawns, dead_ms, deaths, max_ms = spawns + r.spawns, dead_ms + dead, deaths + r.deaths, math.max(max_ms, longest)
    end
    local average = deaths > 0 and math.floor(dead_ms / deaths / 100 + 0.5) / 10 or 0
    local summary = string.format("Players:%d | Spawns:%d | AvgRespawn:%ss | MaxRespawn:%ds",
                                  #list, spawns, json_number(average), max_ms // 1000)
    return list, summary
end

local function bump_score(winner)
    local name = winner == TEAM_AXIS and CVAR_SCORE_AXIS or winner == TEAM_ALLIES and CVAR_SCORE_ALLIES
    if name then et.trap_Cvar_Set(name, tostring(cvar_int(name, 0) + 1)) end
    return cvar_int(CVAR_SCORE_AXIS, 0), cvar_int(CVAR_SCORE_ALLIES, 0)
end

local function write_gametime(map, map_tag, round_number, r, body, spawn_list)
    if not config.gametimes_enabled then return end
    local meta = json_object(
        "map", map, "round", round_number, "round_start_unix", r.start_unix, "round_end_unix", r.end_unix,
        "actual_duration_seconds", r.duration, "warmup_seconds", r.warmup_seconds,
        "pause_seconds", r.pause_seconds, "pause_count", #r.pauses,
        "server_ip", cvar("net_ip"), "server_port", cvar("net_port"), "match_id", tostring(r.end_unix),
        "spawn_stats", spawn_list)
    local folder = folder_of("gametimes_dir", "gametimes")
    local path = string.format("%s/gametime-%s-R%d-%d.json", folder, map_tag, round_number, r.end_unix)
    write_atomically(path, '{"meta":' .. json_encode(meta) .. ',"payload":' .. body .. "}")
end

-- The round is over (first intermission frame, or the map changed first): report it.
local function finish(round, in_intermission)
    round.emitted = true
    local now = os.time()
    if round.pause_start then
        round.pauses[#round.pauses + 1] = { n = #round.pauses + 1, start = round.pause_start, ["end"] = now,
                                            sec = math.max(1, now - round.pause_start) }
        round.pause_start = nil
    end
    local map = cvar("mapname")
    local map_tag = map:gsub("[^%w_%-]", "_")
    -- The engine flips g_currentRound just before intermission: there 0 means R2.
    local current = cvar_int("g_currentRound", 0)
    local round_number = (current == 0) == in_intermission and 2 or 1
    local pause_seconds = 0
    local pauses = {}
    for i, p in ipairs(round.pauses) do
        pause_seconds = pause_seconds + p.sec
        pauses[i] = json_object("n", p.n, "start", p.start, "end", p["end"], "sec", p.sec)
    end
    local limit_minutes = tonumber(cvar("timelimit")) or 0
    local limit_seconds = math.floor(limit_minutes * 60 + 0.5)
    local duration = math.max(0, now - round.start_unix - pause_seconds)
    local start_unix, warmup_seconds = round.start_unix, round.warmup_seconds
    if limit_seconds > 0 and duration > limit_seconds then
        -- Longer than the limit: the clock started early; the excess was warmup.
        local excess = duration - limit_seconds
        start_unix, warmup_seconds, duration = start_unix + excess, warmup_seconds + excess, limit_seconds
    end
    local winner = team_of_winner(CS_MULTI_MAPWINNER, "w")
    local reason = end_reason(duration, limit_seconds, round.surrender, winner)
    local surrender_team = 0
    if round.surrender then
        surrender_team = round.surrender.team
    elseif reason == "surrender" and winner ~= 0 then
        surrender_team = 3 - winner
    end
    local axis_score, allies_score = bump_score(winner)
    local axis, allies = teams_now()
    local spawn_list, summary = spawn_stats(round, state.level_time)
    local caller = round.surrender or {}
    local body = json_encode(json_object(
        "map", map, "round", round_number, "winner", winner,
        "defender", team_of_winner(CS_MULTI_INFO, "d"),
        "round_start_unix", start_unix, "round_end_unix", now, "actual_duration_seconds", duration,
        "total_pause_seconds", pause_seconds, "pause_count", #pauses, "end_reason", reason,
        "warmup_seconds", warmup_seconds, "warmup_start_unix", round.warmup_start,
        "time_limit_minutes", limit_minutes, "surrender_team", surrender_team,
        "surrender_caller_guid", caller.guid or NULL, "surrender_caller_name", caller.name or NULL,
        "axis_score", axis_score, "allies_score", allies_score,
        "axis_players", axis, "allies_players", allies, "pauses", pauses,
        "spawn_stats", spawn_list, "spawn_summary", summary,
        "server_ip", cvar("net_ip"), "server_port", cvar("net_port"), "lua_version", VERSION))
    write_gametime(map, map_tag, round_number, {
        start_unix = start_unix, end_unix = now, duration = duration, warmup_seconds = warmup_seconds,
        pause_seconds = pause_seconds, pauses = pauses }, body, spawn_list)
    enqueue(body, map_tag, round_number, now)
    log(string.format("%s R%d: %d s played, %d pause(s), %s", map, round_number, duration, #pauses, reason))
end

local function note_warmup_start(now)
    if cvar(CVAR_WARMUP_START) == "" then
        et.trap_Cvar_Set(CVAR_WARMUP_START, tostring(now))
    end
end

------------------------------------------------------------------------------------------
-- Engine hooks. None returns a value.
------------------------------------------------------------------------------------------

function et_InitGame(level_time, _seed, restart)
    et.RegisterModname(MODNAME .. " " .. VERSION)
    load_config()
    local now = os.time()
    state.level_time = level_time
    state.gamestate = cvar_int("gamestate", -1)
    if restart ~= 1 then
        -- A fresh map load: a new warmup and a new running score.
        et.trap_Cvar_Set(CVAR_WARMUP_START, "")
        et.trap_Cvar_Set(CVAR_SCORE_AXIS, "0")
        et.trap_Cvar_Set(CVAR_SCORE_ALLIES, "0")
    end
    if state.gamestate ~= GS_INTERMISSION then
        note_warmup_start(now) -- in play already: the time until the level starts is warmup
    end
    if not sending_configured() and config.enabled then
        log("url or secret not configured: round reports are not sent (gametime files still are)")
    end
    state.next_sweep = now + config.pending_retry_seconds
    sweep(now)
end

function et_RunFrame(level_time)
    if not config.enabled then return end
    local now = os.time()
    local previous = state.gamestate
    local gamestate = cvar_int("gamestate", -1)
    state.gamestate, state.level_time = gamestate, level_time
    if gamestate == GS_WARMUP or gamestate == GS_WARMUP_COUNTDOWN then
        if previous == GS_INTERMISSION or previous == -1 then note_warmup_start(now) end
        state.round = nil
    elseif gamestate == GS_PLAYING then
        local round = state.round
        if not round then
            local level_start = math.tointeger(tonumber(et.trap_GetConfigstring(CS_LEVEL_START_TIME))) or 0
            if level_time >= level_start then
                state.round = new_round(now, level_time)
            end
        elseif not round.emitted then
            track_pause(round, now)
            if level_time >= round.next_scan then
                round.next_scan = level_time + config.spawn_check_ms
                scan_spawns(round, level_time)
            end
        end
    elseif gamestate == GS_INTERMISSION and state.round and not state.round.emitted then
        finish(state.round, true)
    end
    if now >= state.next_sweep then
        state.next_sweep = now + config.pending_retry_seconds
        sweep(now)
    end
end

function et_ShutdownGame(restart)
    local round = state.round
    -- The map changed before an intermission frame: report what was measured.
    if config.enabled and restart == 0 and round and not round.emitted and os.time() - round.start_unix >= 3 then
        finish(round, false)
    end
end

function et_Obituary(victim, _killer, _means_of_death)
    local round = state.round
    if config.enabled and round and not round.emitted and state.gamestate == GS_PLAYING
            and victim >= 0 and victim < max_clients() and is_playing(victim) then
        local record = record_of(round, victim)
        record.deaths = record.deaths + 1
        record.dead_since = state.level_time
    end
    -- Nothing is returned here: a value would stop every module after this one (spec §A1.0).
end

function et_ClientCommand(client, command)
    local round = state.round
    if config.enabled and round and not round.emitted and (command or ""):lower() == "callvote"
            and (et.trap_Argv(1) or ""):lower() == "surrender" then
        round.surrender = { guid = guid_of(client), name = name_of(client), team = is_playing(client) or 0 }
    end
end
