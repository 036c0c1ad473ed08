"""The Redis ledger's Lua scripts: one per operation, each atomic, each emitting its event.

KEYS[1] is the base key (`{prefix}:ledger`); every other key is built from it
(see docs/ledger.md for the layout). Amounts are integer micro-units held as
strings and changed with HINCRBY, so no float ever rounds money; Lua numbers
are doubles, exact below 2**53, and the ledger refuses amounts above 10**15.
Each write returns {'ok', seq, event-json, prev-epoch, ...} or {'err', code, needed, available}.
"""

from __future__ import annotations

HELPERS = r"""
local base = KEYS[1]
local meta = base .. ':meta'
local function num(v) if not v then return 0 end return tonumber(v) end
local function s(n) if n == 0 then return '0' end return string.format('%.0f', n) end  -- never '-0'
local function dec(n)
  local sign = ''
  if n < 0 then sign = '-'; n = -n end
  local frac = math.fmod(n, 1000000)
  return string.format('%s%.0f.%06.0f', sign, (n - frac) / 1000000, frac)
end
local function fail(code, needed, available)
  return {'err', code, needed and s(needed) or '', available and s(available) or ''}
end
"""

# Every write starts here. ARGV[1..3] are the caller's epoch, the last sequence number
# it knows journaled, and the actor; they are removed, so each script's own arguments
# start at ARGV[1]. A Redis that is empty, of another epoch or behind the journal refuses.
GUARD = r"""
local epoch = table.remove(ARGV, 1)
local floor = tonumber(table.remove(ARGV, 1))
local actor = table.remove(ARGV, 1)
if redis.call('EXISTS', base .. ':maintenance') == 1 then
  return {'err', 'maintenance', '', ''}
end
local m = redis.call('HMGET', meta, 'epoch', 'seq', 'base_seq', 'base_epoch')
if not m[1] then return {'err', 'rebuild', '', ''} end
if m[1] ~= epoch then return {'err', 'epoch', m[1], ''} end
if num(m[2]) < floor then return {'err', 'behind', s(num(m[2])), s(floor)} end
local function emit(kind, at, fields)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local prev = epoch
  if seq == num(m[3]) + 1 then prev = m[4] or '' end
  local data = {actor = actor}
  for i = 1, #fields, 2 do data[fields[i]] = fields[i + 1] end
  local json = cjson.encode(data)
  redis.call('XADD', base .. ':events', s(seq) .. '-0', 'kind', kind, 'at', at, 'data', json,
    'epoch', epoch, 'prev', prev)
  return s(seq), json, prev
end
-- the account's cash the ledger books; the caller's broker figure books it the first time
local function booked(broker)
  local b = redis.call('HGET', meta, 'account')
  if b then return tonumber(b), nil end
  if broker == '' then return nil, nil end
  return tonumber(broker), broker
end
"""

PRELUDE = HELPERS + GUARD

# floor(a * b / c) exactly for 0 <= a, b, c < 2**53: a double estimate corrected
# with a 6-limb (base 2**24) product, because a * b alone can exceed 2**53.
MULDIV = r"""
local B = 16777216
local function limbs(n)
  local l0 = math.fmod(n, B); n = (n - l0) / B
  local l1 = math.fmod(n, B)
  return {l0, l1, (n - l1) / B}
end
local function mul(x, y)
  local a, b = limbs(x), limbs(y)
  local r = {0, 0, 0, 0, 0, 0}
  for i = 1, 3 do for j = 1, 3 do r[i + j - 1] = r[i + j - 1] + a[i] * b[j] end end
  for k = 1, 5 do
    local low = math.fmod(r[k], B)
    r[k + 1] = r[k + 1] + (r[k] - low) / B
    r[k] = low
  end
  return r
end
local function cmp(x, y)
  for k = 6, 1, -1 do
    if x[k] ~= y[k] then if x[k] < y[k] then return -1 end return 1 end
  end
  return 0
end
local function muldiv(a, b, c)
  local q = math.floor(a * b / c)
  local ab = mul(a, b)
  while q > 0 and cmp(mul(q, c), ab) > 0 do q = q - 1 end
  while cmp(mul(q + 1, c), ab) <= 0 do q = q + 1 end
  return q
end
"""

# ARGV: at, name, cash, account_cash ('' = unchecked)
CREATE_SLEEVE = r"""
local at, name, cash = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('HEXISTS', base .. ':names', name) == 1 then return fail('duplicate_sleeve') end
local account, opening = booked(ARGV[4])
if account then
  local avail = account - num(redis.call('HGET', meta, 'cash'))
  if cash > avail then return fail('insufficient_free_float', cash, avail) end
end
local id = s(redis.call('HINCRBY', meta, 'last_sleeve', 1))
redis.call('HSET', base .. ':sleeve:' .. id, 'name', name, 'cash', s(cash), 'reserved', '0',
  'realized', '0')
redis.call('HSET', base .. ':names', name, id)
redis.call('HINCRBY', meta, 'cash', s(cash))
local fields = {'sleeve', id, 'name', name, 'cash', dec(cash)}
if opening then
  redis.call('HSET', meta, 'account', opening)
  table.insert(fields, 'account_cash'); table.insert(fields, dec(tonumber(opening)))
end
local seq, json, prev = emit('sleeve_created', at, fields)
return {'ok', seq, json, prev, id}
"""

# ARGV: at, from ('' = unallocated), to ('' = unallocated), amount, account_cash
TRANSFER = r"""
local at, from, to, amount = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local fk, tk = base .. ':sleeve:' .. from, base .. ':sleeve:' .. to
if from ~= '' and redis.call('EXISTS', fk) == 0 then return fail('unknown_sleeve', tonumber(from)) end
if to ~= '' and redis.call('EXISTS', tk) == 0 then return fail('unknown_sleeve', tonumber(to)) end
if from == to then return fail('invalid_amount') end
local fields = {'from', from, 'to', to, 'amount', dec(amount)}
if from == '' then
  local account, opening = booked(ARGV[5])
  if account then
    local avail = account - num(redis.call('HGET', meta, 'cash'))
    if amount > avail then return fail('insufficient_free_float', amount, avail) end
  end
  if opening then
    redis.call('HSET', meta, 'account', opening)
    table.insert(fields, 'account_cash'); table.insert(fields, dec(tonumber(opening)))
  end
else
  local h = redis.call('HMGET', fk, 'cash', 'reserved')
  local avail = num(h[1]) - num(h[2])
  if amount > avail then return fail('insufficient_free_float', amount, avail) end
  redis.call('HINCRBY', fk, 'cash', s(-amount))
  redis.call('HINCRBY', meta, 'cash', s(-amount))
end
if to ~= '' then
  redis.call('HINCRBY', tk, 'cash', s(amount))
  redis.call('HINCRBY', meta, 'cash', s(amount))
end
local seq, json, prev = emit('transferred', at, fields)
return {'ok', seq, json, prev}
"""

# ARGV: at, cash, reason
SYNC_ACCOUNT = r"""
local at, cash, reason = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local allocated = num(redis.call('HGET', meta, 'cash'))
if cash < allocated then return fail('insufficient_free_float', allocated, cash) end
local before = redis.call('HGET', meta, 'account')
redis.call('HSET', meta, 'account', s(cash))
local previous = ''
if before then previous = dec(tonumber(before)) end
local seq, json, prev = emit('account_synced', at, {'cash', dec(cash), 'previous', previous,
  'reason', reason})
return {'ok', seq, json, prev}
"""

# ARGV: at, sleeve, client_id, symbol, side, qty, limit, amount, fp, qty_s, limit_s, amount_s
RESERVE = r"""
local at, sleeve, client, sym, side = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local qty, amount, fp = tonumber(ARGV[6]), tonumber(ARGV[8]), ARGV[9]
local existing = redis.call('HGET', base .. ':clients', client)
if existing then
  local r = redis.call('HMGET', base .. ':res:' .. existing, 'fp', 'seq')
  if r[1] ~= fp then return {'err', 'duplicate_client_id', existing, ''} end
  return {'dup', r[2], '', '', existing}
end
local sk = base .. ':sleeve:' .. sleeve
local h = redis.call('HMGET', sk, 'cash', 'reserved')
if not h[1] then return fail('unknown_sleeve', tonumber(sleeve)) end
if side == 'buy' then
  local avail = num(h[1]) - num(h[2])
  if amount > avail then return fail('insufficient_free_float', amount, avail) end
  redis.call('HINCRBY', sk, 'reserved', ARGV[8])
  redis.call('HINCRBY', meta, 'reserved', ARGV[8])
else
  local pk = base .. ':pos:' .. sleeve
  local p = redis.call('HMGET', pk, 'q:' .. sym, 'h:' .. sym)
  local avail = num(p[1]) - num(p[2])
  if qty > avail then return fail('insufficient_position', qty, avail) end
  redis.call('HINCRBY', pk, 'h:' .. sym, ARGV[6])
end
local id = s(redis.call('HINCRBY', meta, 'last_reservation', 1))
local seq, json, prev = emit('reserved', at, {'reservation', id, 'sleeve', sleeve, 'client_id', client,
  'symbol', sym, 'side', side, 'qty', ARGV[10], 'limit_price', ARGV[11], 'amount', ARGV[12]})
redis.call('HSET', base .. ':res:' .. id, 'sleeve', sleeve, 'client_id', client, 'symbol', sym,
  'side', side, 'qty', ARGV[6], 'limit', ARGV[7], 'amount', ARGV[8], 'remaining', ARGV[8],
  'filled', '0', 'status', 'open', 'seq', seq, 'fp', fp)
redis.call('HSET', base .. ':clients', client, id)
redis.call('SADD', base .. ':open', id)
return {'ok', seq, json, prev, id}
"""

# ARGV: at, reservation, qty, buy_amount, sell_amount, qty_s, price_s, fee_s, reason ('' = none)
EXECUTE = r"""
local at, rid, q = ARGV[1], ARGV[2], tonumber(ARGV[3])
local rk = base .. ':res:' .. rid
local r = redis.call('HMGET', rk, 'sleeve', 'symbol', 'side', 'qty', 'remaining', 'filled', 'status')
if not r[1] then return fail('unknown_reservation', tonumber(rid)) end
if r[7] ~= 'open' then return {'err', 'reservation_closed', r[7], ''} end
local total, remaining, filled = tonumber(r[4]), tonumber(r[5]), tonumber(r[6])
if q > total - filled then return fail('over_fill', q, total - filled) end
local sk, pk = base .. ':sleeve:' .. r[1], base .. ':pos:' .. r[1]
local qf, hf, cf = 'q:' .. r[2], 'h:' .. r[2], 'c:' .. r[2]
local h = redis.call('HMGET', sk, 'cash', 'reserved')
local free = num(h[1]) - num(h[2])
local done = filled + q == total
local amount, released, realized
if r[3] == 'buy' then
  amount = tonumber(ARGV[4])
  local used = math.min(amount, remaining)
  released = 0
  if done then released = remaining - used end
  local needed = amount - used - released
  if needed > free then return fail('insufficient_free_float', needed, free) end
  redis.call('HINCRBY', sk, 'cash', s(-amount))
  redis.call('HINCRBY', sk, 'reserved', s(-(used + released)))
  redis.call('HINCRBY', meta, 'cash', s(-amount))
  redis.call('HINCRBY', meta, 'reserved', s(-(used + released)))
  redis.call('HSET', rk, 'remaining', s(remaining - used - released))
  redis.call('HINCRBY', pk, qf, s(q))
  redis.call('HINCRBY', pk, cf, s(amount))
  if redis.call('HEXISTS', meta, 'account') == 1 then
    redis.call('HINCRBY', meta, 'account', s(-amount))
  end
  realized = 0
else
  amount = tonumber(ARGV[5])
  if -amount > free then return fail('insufficient_free_float', -amount, free) end
  local p = redis.call('HMGET', pk, qf, cf)
  local held, cost = num(p[1]), num(p[2])
  local removed = muldiv(cost, q, held)
  realized = amount - removed
  redis.call('HINCRBY', sk, 'cash', s(amount))
  redis.call('HINCRBY', sk, 'realized', s(realized))
  redis.call('HINCRBY', meta, 'cash', s(amount))
  redis.call('HINCRBY', meta, 'realized', s(realized))
  if redis.call('HEXISTS', meta, 'account') == 1 then
    redis.call('HINCRBY', meta, 'account', s(amount))
  end
  redis.call('HSET', rk, 'remaining', s(remaining - q))
  if held == q then
    redis.call('HDEL', pk, qf, hf, cf)
  else
    redis.call('HINCRBY', pk, qf, s(-q))
    redis.call('HINCRBY', pk, hf, s(-q))
    redis.call('HINCRBY', pk, cf, s(-removed))
  end
  released = 0
end
local status = 'open'
if done then status = 'filled'; redis.call('SREM', base .. ':open', rid) end
redis.call('HSET', rk, 'filled', s(filled + q), 'status', status)
local fields = {'reservation', rid, 'qty', ARGV[6], 'price', ARGV[7], 'fee', ARGV[8],
  'amount', dec(amount), 'released', dec(released), 'realized_pnl', dec(realized)}
if ARGV[9] ~= '' then table.insert(fields, 'reason'); table.insert(fields, ARGV[9]) end
local seq, json, prev = emit('executed', at, fields)
return {'ok', seq, json, prev}
"""

# ARGV: at, reservation
CANCEL = r"""
local at, rid = ARGV[1], ARGV[2]
local rk = base .. ':res:' .. rid
local r = redis.call('HMGET', rk, 'sleeve', 'symbol', 'side', 'remaining', 'status')
if not r[1] then return fail('unknown_reservation', tonumber(rid)) end
if r[5] ~= 'open' then return {'err', 'reservation_closed', r[5], ''} end
local rem = tonumber(r[4])
if r[3] == 'buy' then
  redis.call('HINCRBY', base .. ':sleeve:' .. r[1], 'reserved', s(-rem))
  redis.call('HINCRBY', meta, 'reserved', s(-rem))
else
  redis.call('HINCRBY', base .. ':pos:' .. r[1], 'h:' .. r[2], s(-rem))
end
redis.call('HSET', rk, 'remaining', '0', 'status', 'cancelled')
redis.call('SREM', base .. ':open', rid)
local seq, json, prev = emit('cancelled', at, {'reservation', rid, 'released', dec(rem)})
return {'ok', seq, json, prev}
"""

# Everything at one instant: meta, names, clients, then per sleeve and per reservation.
DUMP = r"""
local out = {redis.call('HGETALL', meta), redis.call('HGETALL', base .. ':names'),
  redis.call('HGETALL', base .. ':clients')}
local sleeves, positions, reservations = {}, {}, {}
local names = out[2]
for i = 2, #names, 2 do
  table.insert(sleeves, {names[i], redis.call('HGETALL', base .. ':sleeve:' .. names[i])})
  table.insert(positions, {names[i], redis.call('HGETALL', base .. ':pos:' .. names[i])})
end
local last = tonumber(redis.call('HGET', meta, 'last_reservation') or '0')
for id = 1, last do
  local row = redis.call('HGETALL', base .. ':res:' .. id)
  if #row > 0 then table.insert(reservations, {tostring(id), row}) end
end
table.insert(out, sleeves)
table.insert(out, positions)
table.insert(out, reservations)
return out
"""

# a reservation-like script for the benchmark: read a hash, compare, two HINCRBYFLOAT, one XADD
BENCH = r"""
local h = redis.call('HMGET', KEYS[1], 'cash', 'reserved')
local cash, reserved = tonumber(h[1] or '0'), tonumber(h[2] or '0')
if cash - reserved < tonumber(ARGV[1]) then return 0 end
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', ARGV[1])
redis.call('HINCRBYFLOAT', KEYS[2], 'reserved', ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'amount', ARGV[1])
return 1
"""

SCRIPTS: dict[str, str] = {
    "create_sleeve": PRELUDE + CREATE_SLEEVE,
    "transfer": PRELUDE + TRANSFER,
    "sync_account": PRELUDE + SYNC_ACCOUNT,
    "reserve": PRELUDE + RESERVE,
    "execute": PRELUDE + MULDIV + EXECUTE,
    "cancel": PRELUDE + CANCEL,
    "dump": HELPERS + DUMP,
    "muldiv": HELPERS
    + MULDIV
    + "return s(muldiv(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])))",
}
