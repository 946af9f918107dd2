#include "record_rows.hpp"

#include "time_columns.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::storage_sqlite {
namespace {

using sdk::str;
using sdk::view;

int64_t floor_div(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

std::string owner_of(std::string_view what, int64_t ticket) {
  return std::string(what) + " " + std::to_string(ticket);
}

}  // namespace

// ---- positions ----

const char* const kPositionColumns =
    "account_id, ticket, symbol, canonical_symbol, type, volume, open_price, current_price, "
    "stop_loss, take_profit, profit, swap, commission, magic, comment, open_time, "
    "open_time_broker, updated_at";

const char* const kUpsertPositionSql =
    "INSERT INTO trades (account_id, user_id, ticket, position_id, segment, status, symbol, "
    "canonical_symbol, type, volume, open_price, current_price, stop_loss, take_profit, profit, "
    "swap, commission, magic, comment, open_time, open_time_broker, updated_at) VALUES (?1, ?2, "
    "?3, ?3, 0, 'open', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
    "ON CONFLICT (account_id, ticket) DO UPDATE SET user_id = excluded.user_id, "
    "symbol = excluded.symbol, canonical_symbol = excluded.canonical_symbol, "
    "type = excluded.type, volume = excluded.volume, open_price = excluded.open_price, "
    "current_price = excluded.current_price, stop_loss = excluded.stop_loss, "
    "take_profit = excluded.take_profit, profit = excluded.profit, swap = excluded.swap, "
    "commission = excluded.commission, magic = excluded.magic, comment = excluded.comment, "
    "open_time = excluded.open_time, open_time_broker = excluded.open_time_broker, "
    "updated_at = excluded.updated_at WHERE trades.status = 'open'";

PositionRow read_position_row(const Statement& row) {
  PositionRow p;
  p.account_id = row.text(0);
  p.ticket = row.integer(1);
  p.symbol = row.text(2);
  p.canonical_symbol = row.text(3);
  p.type = row.text(4);
  p.volume = row.real(5);
  p.open_price = row.real(6);
  p.current_price = row.real(7);
  p.sl = row.real(8);
  p.tp = row.real(9);
  p.profit = row.real(10);
  p.swap = row.real(11);
  p.commission = row.real(12);
  p.magic = row.integer(13);
  p.comment = row.text(14);
  const std::string owner = owner_of("position", p.ticket);
  p.open_time_ms = read_utc_time(row, 15, "open_time", owner);
  WallClockTime broker = read_broker_time(row, 16, "open_time_broker", owner);
  p.open_time_broker_ms = broker.wall_ms;
  p.broker_offset_s = broker.offset_s;
  p.updated_at_ms = read_utc_time(row, 17, "updated_at", owner);
  return p;
}

void bind_position(Statement& upsert, const mt5b_position_record& p, const RowOwner& owner) {
  upsert.bind_text(1, owner.account_id);
  upsert.bind_optional_text(2, owner.user_id);
  upsert.bind_int(3, p.ticket);
  upsert.bind_text(4, view(p.symbol));
  upsert.bind_optional_text(5, view(p.canonical_symbol));
  upsert.bind_text(6, view(p.type));
  upsert.bind_real(7, p.volume);
  upsert.bind_real(8, p.open_price);
  upsert.bind_real(9, p.current_price);
  upsert.bind_real(10, p.sl);
  upsert.bind_real(11, p.tp);
  upsert.bind_real(12, p.profit);
  upsert.bind_real(13, p.swap);
  upsert.bind_real(14, p.commission);
  upsert.bind_int(15, p.magic);
  upsert.bind_optional_text(16, view(p.comment));
  bind_utc_time(upsert, 17, p.open_time_ms, "a position's open_time_ms");
  bind_broker_time(upsert, 18, p.open_time_broker_ms, p.broker_offset_s,
                   "a position's open_time_broker_ms");
  bind_utc_time(upsert, 19, p.updated_at_ms != 0 ? p.updated_at_ms : owner.now_ms,
                "a position's updated_at_ms");
}

// ---- closed trades ----

const char* const kTradeColumns =
    "account_id, segment, ticket, position_id, symbol, canonical_symbol, type, volume, "
    "open_price, close_price, open_time, close_time, open_time_broker, close_time_broker, profit, "
    "swap, commission, fee, net_profit, points, pips, close_reason";

const char* const kUpsertTradeSql =
    "INSERT INTO trades (account_id, user_id, ticket, position_id, segment, status, symbol, "
    "canonical_symbol, type, volume, open_price, close_price, open_time, close_time, "
    "open_time_broker, close_time_broker, profit, swap, commission, fee, net_profit, points, "
    "pips, close_reason, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'closed', ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24) "
    "ON CONFLICT (account_id, position_id, segment) DO UPDATE SET ticket = excluded.ticket, "
    "user_id = excluded.user_id, status = 'closed', symbol = excluded.symbol, "
    "canonical_symbol = excluded.canonical_symbol, type = excluded.type, "
    "volume = excluded.volume, open_price = excluded.open_price, "
    "close_price = excluded.close_price, open_time = excluded.open_time, "
    "close_time = excluded.close_time, open_time_broker = excluded.open_time_broker, "
    "close_time_broker = excluded.close_time_broker, profit = excluded.profit, "
    "swap = excluded.swap, commission = excluded.commission, fee = excluded.fee, "
    "net_profit = excluded.net_profit, points = excluded.points, pips = excluded.pips, "
    "close_reason = excluded.close_reason, updated_at = excluded.updated_at";

TradeRow read_trade_row(const Statement& row) {
  TradeRow t;
  t.account_id = row.text(0);
  t.segment = static_cast<int32_t>(row.integer(1));
  t.ticket = row.integer(2);
  t.position_id = row.integer(3);
  t.symbol = row.text(4);
  t.canonical_symbol = row.text(5);
  t.type = row.text(6);
  t.volume = row.real(7);
  t.open_price = row.real(8);
  t.close_price = row.real(9);
  const std::string owner = owner_of("trade", t.ticket);
  t.open_time_ms = read_utc_time(row, 10, "open_time", owner);
  t.close_time_ms = read_utc_time(row, 11, "close_time", owner);
  WallClockTime open = read_broker_time(row, 12, "open_time_broker", owner);
  WallClockTime close = read_broker_time(row, 13, "close_time_broker", owner);
  t.open_time_broker_ms = open.wall_ms;
  t.close_time_broker_ms = close.wall_ms;
  // The record's one offset is the one in force at close; both texts were written with it.
  t.broker_offset_s = row.is_null(13) ? open.offset_s : close.offset_s;
  t.profit = row.real(14);
  t.swap = row.real(15);
  t.commission = row.real(16);
  t.fee = row.real(17);
  t.net_profit = row.real(18);
  t.points = row.real(19);
  t.pips = row.real(20);
  t.close_reason = row.text(21);
  // Not a column: derived from the two times, so it always agrees with them.
  t.duration_hours = t.open_time_ms != 0 && t.close_time_ms != 0
                         ? static_cast<double>(t.close_time_ms - t.open_time_ms) / 3'600'000.0
                         : 0.0;
  return t;
}

void bind_trade(Statement& upsert, const mt5b_trade_record& t, const RowOwner& owner) {
  upsert.bind_text(1, owner.account_id);
  upsert.bind_optional_text(2, owner.user_id);
  upsert.bind_int(3, t.ticket);
  upsert.bind_int(4, t.position_id);
  upsert.bind_int(5, t.segment);
  upsert.bind_text(6, view(t.symbol));
  upsert.bind_optional_text(7, view(t.canonical_symbol));
  upsert.bind_text(8, view(t.type));
  upsert.bind_real(9, t.volume);
  upsert.bind_real(10, t.open_price);
  upsert.bind_real(11, t.close_price);
  bind_utc_time(upsert, 12, t.open_time_ms, "a trade's open_time_ms");
  bind_utc_time(upsert, 13, t.close_time_ms, "a trade's close_time_ms");
  bind_broker_time(upsert, 14, t.open_time_broker_ms, t.broker_offset_s,
                   "a trade's open_time_broker_ms");
  bind_broker_time(upsert, 15, t.close_time_broker_ms, t.broker_offset_s,
                   "a trade's close_time_broker_ms");
  upsert.bind_real(16, t.profit);
  upsert.bind_real(17, t.swap);
  upsert.bind_real(18, t.commission);
  upsert.bind_real(19, t.fee);
  upsert.bind_real(20, t.net_profit);
  upsert.bind_real(21, t.points);
  upsert.bind_real(22, t.pips);
  upsert.bind_optional_text(23, view(t.close_reason));
  bind_utc_time(upsert, 24, owner.now_ms, "the apply time");
}

// ---- raw deals ----

const char* const kDealColumns =
    "account_id, ticket, order_ticket, position_id, symbol, type, entry, reason, magic, volume, "
    "price, profit, swap, commission, fee, deal_time, deal_time_msc, comment, external_id";

const char* const kInsertDealSql =
    "INSERT INTO deals (account_id, ticket, order_ticket, position_id, symbol, type, entry, "
    "reason, magic, volume, price, profit, swap, commission, fee, deal_time, deal_time_broker, "
    "deal_time_msc, comment, external_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) ON CONFLICT (account_id, ticket) DO NOTHING";

DealRow read_deal_row(const Statement& row) {
  DealRow d;
  d.account_id = row.text(0);
  d.ticket = row.integer(1);
  d.order = row.integer(2);
  d.position_id = row.integer(3);
  d.symbol = row.text(4);
  d.type = static_cast<int32_t>(row.integer(5));
  d.entry = static_cast<int32_t>(row.integer(6));
  d.reason = static_cast<int32_t>(row.integer(7));
  d.magic = row.integer(8);
  d.volume = row.real(9);
  d.price = row.real(10);
  d.profit = row.real(11);
  d.swap = row.real(12);
  d.commission = row.real(13);
  d.fee = row.real(14);
  d.time_ms = read_utc_time(row, 15, "deal_time", owner_of("deal", d.ticket));
  d.time_msc = row.integer(16);
  d.time = floor_div(d.time_msc, 1000);  // TradeDeal.time: whole broker seconds
  d.comment = row.text(17);
  d.external_id = row.text(18);
  return d;
}

void bind_deal(Statement& insert, const mt5b_trade_deal& d, int64_t time_ms,
               const RowOwner& owner) {
  // Older terminals report only whole seconds; time_msc then is the same instant in ms.
  const int64_t broker_ms = d.time_msc != 0 ? d.time_msc : d.time * 1000;
  insert.bind_text(1, owner.account_id);
  insert.bind_int(2, d.ticket);
  insert.bind_int(3, d.order);
  insert.bind_int(4, d.position_id);
  insert.bind_text(5, view(d.symbol));
  insert.bind_int(6, d.type);
  insert.bind_int(7, d.entry);
  insert.bind_int(8, d.reason);
  insert.bind_int(9, d.magic);
  insert.bind_real(10, d.volume);
  insert.bind_real(11, d.price);
  insert.bind_real(12, d.profit);
  insert.bind_real(13, d.swap);
  insert.bind_real(14, d.commission);
  insert.bind_real(15, d.fee);
  bind_utc_time(insert, 16, time_ms, "a deal's time_ms");
  int64_t offset_s = 0;
  if (broker_ms != 0 && implied_offset_s(broker_ms, time_ms, offset_s)) {
    bind_broker_time(insert, 17, broker_ms, offset_s, "a deal's time_msc");
  } else {
    insert.bind_null(17);
  }
  insert.bind_int(18, broker_ms);
  insert.bind_optional_text(19, view(d.comment));
  insert.bind_optional_text(20, view(d.external_id));
}

// ---- account transactions ----

const char* const kTransactionColumns =
    "account_id, ticket, deal_type, type, amount, comment, transaction_time, "
    "transaction_time_broker";

const char* const kInsertTransactionSql =
    "INSERT INTO account_transactions (account_id, ticket, deal_type, type, amount, currency, "
    "comment, transaction_time, transaction_time_broker) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9) ON CONFLICT (account_id, ticket) DO NOTHING";

TransactionRow read_transaction_row(const Statement& row) {
  TransactionRow t;
  t.account_id = row.text(0);
  t.ticket = row.integer(1);
  t.deal_type = static_cast<int32_t>(row.integer(2));
  t.kind = row.text(3);
  t.amount = row.real(4);
  t.comment = row.text(5);
  const std::string owner = owner_of("transaction", t.ticket);
  t.time_ms = read_utc_time(row, 6, "transaction_time", owner);
  t.time_broker_ms = read_broker_time(row, 7, "transaction_time_broker", owner).wall_ms;
  return t;
}

void bind_transaction(Statement& insert, const mt5b_transaction_record& t,
                      std::string_view currency, const RowOwner& owner) {
  insert.bind_text(1, owner.account_id);
  insert.bind_int(2, t.ticket);
  insert.bind_int(3, t.deal_type);
  insert.bind_text(4, view(t.kind));
  insert.bind_real(5, t.amount);
  insert.bind_optional_text(6, currency);
  insert.bind_optional_text(7, view(t.comment));
  bind_utc_time(insert, 8, t.time_ms, "a transaction's time_ms");
  int64_t offset_s = 0;
  if (t.time_broker_ms != 0 && implied_offset_s(t.time_broker_ms, t.time_ms, offset_s)) {
    bind_broker_time(insert, 9, t.time_broker_ms, offset_s, "a transaction's time_broker_ms");
  } else {
    insert.bind_null(9);
  }
}

// ---- sync logs ----

const char* const kSyncLogColumns =
    "id, account_id, sync_type, status, started_at, completed_at, trades_synced, deals_synced, "
    "duration_ms, error_message";

const char* const kUpsertSyncLogSql =
    "INSERT INTO sync_logs (id, account_id, sync_type, status, started_at, completed_at, "
    "trades_synced, deals_synced, duration_ms, error_message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
    "?8, ?9, ?10) ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, "
    "sync_type = excluded.sync_type, status = excluded.status, "
    "started_at = excluded.started_at, completed_at = excluded.completed_at, "
    "trades_synced = excluded.trades_synced, deals_synced = excluded.deals_synced, "
    "duration_ms = excluded.duration_ms, error_message = excluded.error_message";

SyncLogRow read_sync_log_row(const Statement& row) {
  SyncLogRow l;
  l.id = row.text(0);
  l.account_id = row.text(1);
  l.sync_type = row.text(2);
  l.status = row.text(3);
  const std::string owner = "sync log '" + l.id + "'";
  l.started_at_ms = read_utc_time(row, 4, "started_at", owner);
  l.completed_at_ms = read_utc_time(row, 5, "completed_at", owner);
  l.trades_synced = row.integer(6);
  l.deals_synced = row.integer(7);
  l.duration_ms = row.integer(8);
  l.error_message = row.text(9);
  return l;
}

void validate_sync_log(const mt5b_sync_log_record& log) {
  const char* missing = log.id.size == 0          ? "id"
                        : log.sync_type.size == 0 ? "sync_type"
                        : log.status.size == 0    ? "status"
                        : log.started_at_ms == 0  ? "started_at_ms"
                                                  : nullptr;
  if (missing != nullptr) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     std::string("the sync log's ") + missing + " is empty; fill it in");
  }
}

void bind_sync_log(Statement& upsert, const mt5b_sync_log_record& log,
                   std::string_view account_id) {
  upsert.bind_text(1, view(log.id));
  upsert.bind_text(2, account_id);
  upsert.bind_text(3, view(log.sync_type));
  upsert.bind_text(4, view(log.status));
  bind_utc_time(upsert, 5, log.started_at_ms, "the sync log's started_at_ms");
  bind_utc_time(upsert, 6, log.completed_at_ms, "the sync log's completed_at_ms");
  upsert.bind_int(7, log.trades_synced);
  upsert.bind_int(8, log.deals_synced);
  upsert.bind_int(9, log.duration_ms);
  upsert.bind_optional_text(10, view(log.error_message));
}

}  // namespace mt5b::storage_sqlite
