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
local zsets = {f = ns .. ':timeline:' .. viewer, n = ns .. ':fresh'}
local buffers = {f = {}, n = {}}

local function pull(source)
  local list = lists[source]
  if list then
    while state[source] < list.n do
      local i = state[source]
      state[source] = i + 1
      local idx = struct.unpack(list.fmt, list.blob, 2 + i * list.iw)
      local id = redis.call('GETRANGE', items_keys[source], idx * 37, idx * 37 + 35)
      if #id == 36 then return (string.gsub(id, '-', '')) end
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

local function consider(id, source)
  if taken[id] then return false end
  taken[id] = true
  if check_seen and redis.call('ZSCORE', seen_key, id) then return false end
  if redis.call('SISMEMBER', engaged_key, id) == 1 then return false end
  local card = redis.call('HMGET', card_prefix .. id, 'j', 'a', 'p', 'd')
  if card[4] then return false end
  if not card[1] then
    table.insert(missing, id)
    return false
  end
  local author = card[2]
  if author == viewer or redis.call('SISMEMBER', hidden_key, author) == 1 then return false end
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
  table.insert(served, id)
  table.insert(sources, source)
  table.insert(cards, card[1])
  return true
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
      local id = pull(source)
      if not id then break end
      considered = considered + 1
      if consider(id, source) then
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
  for _, id in ipairs(served) do redis.call('ZADD', seen_key, now, id) end
  redis.call('ZREMRANGEBYSCORE', seen_key, '-inf', now - tonumber(ARGV[19]))
  redis.call('ZREMRANGEBYRANK', seen_key, 0, -5001)
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
local out = {meta}
for _, card in ipairs(cards) do table.insert(out, card) end
return out
