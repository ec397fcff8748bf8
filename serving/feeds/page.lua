-- One page of a ranked feed, picked inside Redis in one round trip.
--
-- Sources, each read lazily and only as far as the page needs:
--   c  the viewer's ranked candidates (a packed list published by the retrain flow)
--   t  a trending list of the same ranking version (the whole feed for explore, the backup for for-you)
--   f  fresh posts of the people the viewer follows (their following timeline, newest first)
--   n  fresh posts of everyone (the global fresh set): new posts get exposure before they have data
-- Slots 3, 8, 13, 18 prefer f and slots 8, 18 (of every 10) prefer n, so fresh posts are blended in
-- at fixed positions instead of being drowned by (or drowning) the ranked list.
--
-- Filters, in order: already taken on this page, already seen (recent impressions), liked or saved,
-- gone (deleted), the viewer's own, a hidden (blocked) author, every tagged product sold out, and at
-- most `cap` posts per author on a page.
--
-- Seen prefix: a viewer who opens the feed again (no cursor) would re-read, from offset 0, every
-- candidate served to them before, each one a GETRANGE and a ZSCORE only to be dropped as seen: after
-- a few hundred posts that is most of a page's cost, paid inside Redis where every other request waits
-- for it. <ns>:seenskip:<viewer> remembers per list (field c or t: '<list id>|<offset>:<oldest
-- ms>:<holes>') a prefix of the list whose candidates are all in the seen set, since `oldest` at the
-- earliest, except the few `holes` (at most MAX_HOLES offsets) that were filtered for other reasons.
-- While every one of those seen entries is still inside the seen window, a page reads the holes and
-- then goes on from the end of the prefix. It only skips what the seen filter would drop, so pages
-- are the same with or without it; a trim of the seen set by size (not age) drops it.
--
-- Strict mode (ARGV[24] = '1'): if any candidate has no cached card yet, nothing is written and the
-- script answers {'MISS', ids...}; the caller renders those cards and runs it again. Otherwise the
-- served posts are marked seen, one impression entry is appended to the log stream, and missing
-- cards are queued for the worker.
--
-- ARGV: 1 ns  2 viewer hex  3 viewer id  4 candidates key ('' = none)  5 candidates field
--       6 items key  7 trending key ('' = none)  8 trending field  9 candidates offset
--       10 trending offset  11 following cursor ms ('' = newest)  12 fresh cursor ms ('' = newest)
--       13 limit  14 now ms  15 variant  16 ranking version  17 surface  18 cap per author
--       19 seen window ms  20 fresh-since ms  21 use following  22 use fresh  23 first position
--       24 strict  25 seen filter  26 log impressions  27 the access token's denylist key ('' = skip)
--       28 the trending list's items key (trending may come from its own, fresher version)
--       29 the experiment the variant belongs to ('' = none)
local ns, viewer, viewer_id = ARGV[1], ARGV[2], ARGV[3]
-- The token check rides along: a logged-out token is refused without a second round trip.
if ARGV[27] ~= '' and redis.call('EXISTS', ARGV[27]) == 1 then return {'REVOKED'} end
local items_keys = {c = ARGV[6], t = ARGV[28]}
local limit, now, cap = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[18])
local use_following, use_fresh = ARGV[21] == '1', ARGV[22] == '1'
local strict, check_seen = ARGV[24] == '1', ARGV[25] == '1'
local seen_key = ns .. ':seen:' .. viewer
local engaged_key = ns .. ':engaged:' .. viewer
local hidden_key = ns .. ':hidden:' .. viewer
local soldout_key = ns .. ':soldout'
local card_prefix = ns .. ':card:'
local skip_key = ns .. ':seenskip:' .. viewer
local window = tonumber(ARGV[19])

local state = {c = tonumber(ARGV[9]), t = tonumber(ARGV[10]), f = ARGV[11], n = ARGV[12]}

local function packed(key, field)
  if key == '' then return nil end
  local blob = redis.call('HGET', key, field)
  if not blob then return nil end
  local head = string.byte(blob, 1)
  local iw = (bit.band(head, 1) ~= 0) and 4 or 2
  local sw = (bit.band(head, 2) ~= 0) and 4 or 2
  return {blob = blob, iw = iw, n = math.floor((#blob - 1) / (iw + sw)), fmt = (iw == 4) and '<I4' or '<I2'}
end

local lists = {c = packed(ARGV[4], ARGV[5]), t = packed(ARGV[7], ARGV[8])}

-- prefixes[source]: what is known about the list's seen prefix and is extended on this page, or nil
-- when nothing can be (no seen filter, or a cursor already past the known prefix). `holes` are the
-- offsets inside the prefix that are not in the seen set (an author over the cap, a sold-out post, a
-- card not rendered yet): they are read again, in list order, before the page goes past the prefix.
local MAX_HOLES = 64
local prefixes = {}
if check_seen then
  local list_ids = {c = ARGV[4] .. '|' .. ARGV[5], t = ARGV[7] .. '|' .. ARGV[8]}
  local known = redis.call('HMGET', skip_key, 'c', 't')
  for n, source in ipairs({'c', 't'}) do
    if lists[source] then
      local offset, oldest, holes = 0, now, {}
      local raw = known[n]
      if raw then
        local list_id, p, e, h = string.match(raw, '^(.*)|(%d+):(%d+):([%d,]*)$')
        if list_id == list_ids[source] and tonumber(e) > now - window then
          offset, oldest = tonumber(p), tonumber(e)
          for hole in string.gmatch(h, '%d+') do table.insert(holes, tonumber(hole)) end
        end
      end
      if state[source] <= offset then
        local prefix = {list_id = list_ids[source], offset = offset, oldest = oldest, open = true,
                        kept = {}, queue = {}, next = 1}
        for _, hole in ipairs(holes) do
          -- holes before a cursor's position were passed on an earlier page of it; keep them for later opens
          table.insert((hole < state[source]) and prefix.kept or prefix.queue, hole)
        end
        prefixes[source] = prefix
      end
    end
  end
end

local function item_at(source, i)
  local list = lists[source]
  local idx = struct.unpack(list.fmt, list.blob, 2 + i * list.iw)
  local id = redis.call('GETRANGE', items_keys[source], idx * 37, idx * 37 + 35)
  if #id == 36 then return (string.gsub(id, '-', '')) end
  return nil
end

local zsets = {f = ns .. ':timeline:' .. viewer, n = ns .. ':fresh'}
local buffers = {f = {}, n = {}}

local function pull(source)
  local list = lists[source]
  if list then
    local prefix = prefixes[source]
    if prefix then
      while prefix.next <= #prefix.queue do  -- the prefix's holes first, then past the prefix
        local i = prefix.queue[prefix.next]
        prefix.next = prefix.next + 1
        state[source] = i + 1
        local id = item_at(source, i)
        if id then return id, i end
      end
      if state[source] < prefix.offset then state[source] = prefix.offset end
    end
    while state[source] < list.n do
      local i = state[source]
      state[source] = i + 1
      local id = item_at(source, i)
      if id then return id, i end
    end
    return nil
  end
  if (source == 'f' and not use_following) or (source == 'n' and not use_fresh) or zsets[source] == nil then
    return nil
  end
  local buffer = buffers[source]
  if #buffer == 0 then
    local top = (state[source] == '') and '+inf' or ('(' .. state[source])
    local rows = redis.call('ZREVRANGEBYSCORE', zsets[source], top, ARGV[20], 'WITHSCORES', 'LIMIT', 0, 40)
    for j = #rows - 1, 1, -2 do table.insert(buffer, {rows[j], rows[j + 1]}) end
    if #buffer == 0 then return nil end
  end
  local entry = table.remove(buffer)
  state[source] = entry[2]
  return entry[1]
end

local taken, per_author = {}, {}
local served, sources, cards, missing = {}, {}, {}, {}
-- Most viewers have liked nothing recent and blocked no one: one EXISTS each instead of a SISMEMBER
-- per candidate (every redis.call costs the script a few microseconds, and the script holds Redis).
local has_engaged = redis.call('EXISTS', engaged_key) == 1
local has_hidden = redis.call('EXISTS', hidden_key) == 1
local seen_at = {}  -- id -> ms it was served (now, for this page), for the seen prefixes

local function consider(id, source)
  if taken[id] then return false end
  taken[id] = true
  if check_seen then
    local score = redis.call('ZSCORE', seen_key, id)
    if score then
      seen_at[id] = tonumber(score)
      return false
    end
  end
  if has_engaged and redis.call('SISMEMBER', engaged_key, id) == 1 then return false end
  local card = redis.call('HMGET', card_prefix .. id, 'j', 'a', 'p', 'd')
  if card[4] then return false end
  if not card[1] then
    table.insert(missing, id)
    return false
  end
  local author = card[2]
  if author == viewer or (has_hidden and redis.call('SISMEMBER', hidden_key, author) == 1) then return false end
  if card[3] and card[3] ~= '' then
    local all_sold_out = true
    for product in string.gmatch(card[3], '[^,]+') do
      if redis.call('SISMEMBER', soldout_key, product) == 0 then
        all_sold_out = false
        break
      end
    end
    if all_sold_out then return false end
  end
  local count = per_author[author] or 0
  if count >= cap then return false end
  per_author[author] = count + 1
  seen_at[id] = now
  table.insert(served, id)
  table.insert(sources, source)
  table.insert(cards, card[1])
  return true
end

-- After consider(): a hole that is seen now (served on this page) stops being one; past the prefix, a
-- seen candidate extends it and any other becomes a hole, until MAX_HOLES of them close the prefix.
local function extend(prefix, id, offset)
  local at = seen_at[id]
  if offset < prefix.offset then  -- a hole, read again
    if not at then
      table.insert(prefix.kept, offset)
    elseif at < prefix.oldest then
      prefix.oldest = at
    end
    return
  end
  if not prefix.open then return end  -- past the prefix (pull only jumps over malformed ids, never served)
  if at then
    if at < prefix.oldest then prefix.oldest = at end
  elseif #prefix.kept + #prefix.queue - prefix.next + 1 < MAX_HOLES then
    table.insert(prefix.kept, offset)
  else
    prefix.open = false
    return
  end
  prefix.offset = offset + 1
end

local considered, budget = 0, 600
while #served < limit and considered < budget do
  local slot = #served
  local order
  if use_following and slot % 5 == 2 then
    order = {'f', 'c', 't', 'n'}
  elseif use_fresh and slot % 10 == 7 then
    order = {'n', 'c', 't', 'f'}
  else
    order = {'c', 't', 'f', 'n'}
  end
  local got = false
  for _, source in ipairs(order) do
    while considered < budget do
      local id, offset = pull(source)
      if not id then break end
      considered = considered + 1
      local ok = consider(id, source)
      if prefixes[source] then extend(prefixes[source], id, offset) end
      if ok then
        got = true
        break
      end
    end
    if got then break end
  end
  if not got then break end
end

if strict and #missing > 0 then
  table.insert(missing, 1, 'MISS')
  return missing
end

if #served > 0 then
  local members = {}
  for _, id in ipairs(served) do
    table.insert(members, now)
    table.insert(members, id)
  end
  redis.call('ZADD', seen_key, unpack(members))
  redis.call('ZREMRANGEBYSCORE', seen_key, '-inf', now - window)
  if redis.call('ZREMRANGEBYRANK', seen_key, 0, -5001) > 0 then
    redis.call('DEL', skip_key)  -- entries went by size, not age: the prefixes may have holes now
  else
    for source, prefix in pairs(prefixes) do
      for j = prefix.next, #prefix.queue do table.insert(prefix.kept, prefix.queue[j]) end  -- not reached
      table.sort(prefix.kept)
      redis.call('HSET', skip_key, source, prefix.list_id .. '|' .. prefix.offset .. ':' .. prefix.oldest .. ':'
        .. table.concat(prefix.kept, ','))
    end
    redis.call('PEXPIRE', skip_key, ARGV[19])
  end
  redis.call('PEXPIRE', seen_key, ARGV[19])
  if ARGV[26] == '1' then
    redis.call('XADD', ns .. ':feed:impressions', 'MAXLEN', '~', 1000000, '*',
      'u', viewer_id, 's', ARGV[17], 'v', ARGV[15], 'x', ARGV[29], 'r', ARGV[16], 'o', ARGV[23],
      'ids', table.concat(served, ','), 'src', table.concat(sources, ','), 'ts', now)
  end
end
if #missing > 0 then redis.call('SADD', ns .. ':cards:dirty', unpack(missing)) end

local exhausted = (#served < limit) and 1 or 0
local meta = cjson.encode({c = state.c, t = state.t, f = state.f, n = state.n, served = #served,
                           exhausted = exhausted, considered = considered})
-- The cards leave already joined into the body's JSON array: one reply element to parse on the
-- client instead of one per card.
return {meta, table.concat(cards, ',')}
