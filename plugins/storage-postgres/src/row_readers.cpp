#include "row_readers.hpp"

#include "time_text.hpp"

#include <mt5bridge/sdk.hpp>

#include <pqxx/binarystring>
#include <pqxx/field>

namespace mt5b::storage_postgres {
namespace {

using sdk::str;

std::string text(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}
int64_t integer(const pqxx::field& f) {
  return f.is_null() ? 0 : f.as<int64_t>();
}
int32_t integer32(const pqxx::field& f) {
  return f.is_null() ? 0 : f.as<int32_t>();
}
double real(const pqxx::field& f) {
  return f.is_null() ? 0.0 : f.as<double>();
}

// A `*_broker` column: NULL reads as "unknown" (0 ms, offset 0). A value another tool wrote in
// some other form fails loudly rather than turning into a wrong time.
BrokerTime broker_time(const pqxx::field& f, const char* column, const std::string& owner) {
  if (f.is_null()) return {};
  const std::string value = text(f);
  auto parsed = parse_broker_text(value);
  if (!parsed) {
    throw sdk::Error(MT5B_FAILED, "the stored " + std::string(column) + " of " + owner + " ('" +
                                      value +
                                      "') is not a broker time; correct that row to the form "
                                      "2025-11-12T11:00:00.000+03:00");
  }
  return *parsed;
}

}  // namespace

AccountRow read_account_row(const pqxx::row& row) {
  AccountRow a;
  a.id = text(row[0]);
  a.user_id = text(row[1]);
  a.login = integer(row[2]);
  a.server = text(row[3]);
  a.broker_name = text(row[4]);
  a.broker_instance = text(row[5]);
  a.is_active = !row[6].is_null() && row[6].as<bool>();
  a.connection_status = text(row[7]);
  a.last_connection_error = text(row[8]);
  a.sync_failure_count = integer(row[9]);
  a.broker_server_time_offset_s = integer(row[10]);
  a.currency = text(row[11]);
  a.leverage = integer(row[12]);
  a.balance = real(row[13]);
  a.equity = real(row[14]);
  a.margin = real(row[15]);
  a.free_margin = real(row[16]);
  a.margin_level = real(row[17]);
  a.credit = real(row[18]);
  a.profit = real(row[19]);
  a.created_at_ms = integer(row[20]);
  a.updated_at_ms = integer(row[21]);
  a.last_sync_at_ms = integer(row[22]);
  a.last_successful_sync_at_ms = integer(row[23]);
  a.next_sync_at_ms = integer(row[24]);
  return a;
}

CredentialRow read_credential_row(const pqxx::row& row) {
  CredentialRow c;
  c.account_id = text(row[0]);
  c.user_id = text(row[1]);
  c.key_id = text(row[2]);
  if (!row[3].is_null()) c.ciphertext = pqxx::binarystring(row[3]).str();
  c.created_at_ms = integer(row[4]);
  return c;
}

PositionRow read_position_row(const pqxx::row& row) {
  PositionRow p;
  p.ticket = integer(row[0]);
  p.symbol = text(row[1]);
  p.canonical_symbol = text(row[2]);
  p.type = text(row[3]);
  p.volume = real(row[4]);
  p.open_price = real(row[5]);
  p.current_price = real(row[6]);
  p.sl = real(row[7]);
  p.tp = real(row[8]);
  p.profit = real(row[9]);
  p.swap = real(row[10]);
  p.commission = real(row[11]);
  p.magic = integer(row[12]);
  p.comment = text(row[13]);
  p.open_time_ms = integer(row[14]);
  const BrokerTime open =
      broker_time(row[15], "open_time_broker", "position " + std::to_string(p.ticket));
  p.open_time_broker_ms = open.broker_ms;
  p.broker_offset_s = open.offset_s;
  p.updated_at_ms = integer(row[16]);
  p.account_id = text(row[17]);
  return p;
}

TradeRow read_trade_row(const pqxx::row& row) {
  TradeRow t;
  t.ticket = integer(row[0]);
  t.position_id = integer(row[1]);
  t.segment = integer32(row[2]);
  t.symbol = text(row[3]);
  t.canonical_symbol = text(row[4]);
  t.type = text(row[5]);
  t.volume = real(row[6]);
  t.open_price = real(row[7]);
  t.close_price = real(row[8]);
  t.open_time_ms = integer(row[9]);
  const std::string owner = "trade " + std::to_string(t.ticket);
  const BrokerTime open = broker_time(row[10], "open_time_broker", owner);
  t.close_time_ms = integer(row[11]);
  const BrokerTime close = broker_time(row[12], "close_time_broker", owner);
  t.open_time_broker_ms = open.broker_ms;
  t.close_time_broker_ms = close.broker_ms;
  // The offset in force at close; the open time's when the close has none.
  t.broker_offset_s = row[12].is_null() ? open.offset_s : close.offset_s;
  t.profit = real(row[13]);
  t.swap = real(row[14]);
  t.commission = real(row[15]);
  t.fee = real(row[16]);
  t.net_profit = real(row[17]);
  t.points = real(row[18]);
  t.pips = real(row[19]);
  t.close_reason = text(row[20]);
  t.account_id = text(row[21]);
  // Derived, so the schema keeps storage-sqlite's columns.
  t.duration_hours = t.open_time_ms != 0 && t.close_time_ms != 0
                         ? (t.close_time_ms - t.open_time_ms) / 3'600'000.0
                         : 0.0;
  return t;
}

DealRow read_deal_row(const pqxx::row& row) {
  DealRow d;
  d.ticket = integer(row[0]);
  d.order = integer(row[1]);
  d.position_id = integer(row[2]);
  d.symbol = text(row[3]);
  d.type = integer32(row[4]);
  d.entry = integer32(row[5]);
  d.reason = integer32(row[6]);
  d.magic = integer(row[7]);
  d.volume = real(row[8]);
  d.price = real(row[9]);
  d.profit = real(row[10]);
  d.swap = real(row[11]);
  d.commission = real(row[12]);
  d.fee = real(row[13]);
  d.time_ms = integer(row[14]);
  const BrokerTime broker =
      broker_time(row[15], "deal_time_broker", "deal " + std::to_string(d.ticket));
  // TradeDeal.time is whole broker seconds; time_msc keeps the milliseconds as MT5 sent them.
  d.time = row[15].is_null()       ? 0
           : broker.broker_ms >= 0 ? broker.broker_ms / 1000
                                   : (broker.broker_ms - 999) / 1000;
  d.time_msc = integer(row[16]);
  d.comment = text(row[17]);
  d.external_id = text(row[18]);
  d.account_id = text(row[19]);
  return d;
}

TransactionRow read_transaction_row(const pqxx::row& row) {
  TransactionRow t;
  t.ticket = integer(row[0]);
  t.deal_type = integer32(row[1]);
  t.kind = text(row[2]);
  t.amount = real(row[3]);
  t.time_ms = integer(row[4]);
  t.time_broker_ms =
      broker_time(row[5], "transaction_time_broker", "transaction " + std::to_string(t.ticket))
          .broker_ms;
  t.comment = text(row[6]);
  t.account_id = text(row[7]);
  return t;
}

SyncLogRow read_sync_log_row(const pqxx::row& row) {
  SyncLogRow s;
  s.id = text(row[0]);
  s.account_id = text(row[1]);
  s.sync_type = text(row[2]);
  s.status = text(row[3]);
  s.started_at_ms = integer(row[4]);
  s.completed_at_ms = integer(row[5]);
  s.trades_synced = integer(row[6]);
  s.deals_synced = integer(row[7]);
  s.duration_ms = integer(row[8]);
  s.error_message = text(row[9]);
  return s;
}

}  // namespace mt5b::storage_postgres
