#include "record_copies.hpp"

namespace mt5b::storage_postgres::testing {

using sdk::copy;

AccountRow copy_of(const mt5b_account_record& r) {
  AccountRow a;
  a.id = copy(r.id);
  a.user_id = copy(r.user_id);
  a.login = r.login;
  a.server = copy(r.server);
  a.broker_name = copy(r.broker_name);
  a.broker_instance = copy(r.broker_instance);
  a.is_active = r.is_active != 0;
  a.connection_status = copy(r.connection_status);
  a.last_connection_error = copy(r.last_connection_error);
  a.sync_failure_count = r.sync_failure_count;
  a.broker_server_time_offset_s = r.broker_server_time_offset_s;
  a.currency = copy(r.currency);
  a.leverage = r.leverage;
  a.balance = r.balance;
  a.equity = r.equity;
  a.margin = r.margin;
  a.free_margin = r.free_margin;
  a.margin_level = r.margin_level;
  a.credit = r.credit;
  a.profit = r.profit;
  a.created_at_ms = r.created_at_ms;
  a.updated_at_ms = r.updated_at_ms;
  a.last_sync_at_ms = r.last_sync_at_ms;
  a.last_successful_sync_at_ms = r.last_successful_sync_at_ms;
  a.next_sync_at_ms = r.next_sync_at_ms;
  return a;
}

CredentialRow copy_of(const mt5b_credential_record& r) {
  return {copy(r.account_id), copy(r.user_id), copy(r.key_id), copy(r.ciphertext), r.created_at_ms};
}

PositionRow copy_of(const mt5b_position_record& r) {
  PositionRow p;
  p.account_id = copy(r.account_id);
  p.symbol = copy(r.symbol);
  p.canonical_symbol = copy(r.canonical_symbol);
  p.type = copy(r.type);
  p.comment = copy(r.comment);
  p.ticket = r.ticket;
  p.magic = r.magic;
  p.open_time_ms = r.open_time_ms;
  p.open_time_broker_ms = r.open_time_broker_ms;
  p.broker_offset_s = r.broker_offset_s;
  p.updated_at_ms = r.updated_at_ms;
  p.volume = r.volume;
  p.open_price = r.open_price;
  p.current_price = r.current_price;
  p.sl = r.sl;
  p.tp = r.tp;
  p.profit = r.profit;
  p.swap = r.swap;
  p.commission = r.commission;
  return p;
}

TradeRow copy_of(const mt5b_trade_record& r) {
  TradeRow t;
  t.account_id = copy(r.account_id);
  t.symbol = copy(r.symbol);
  t.canonical_symbol = copy(r.canonical_symbol);
  t.type = copy(r.type);
  t.close_reason = copy(r.close_reason);
  t.segment = r.segment;
  t.ticket = r.ticket;
  t.position_id = r.position_id;
  t.open_time_ms = r.open_time_ms;
  t.close_time_ms = r.close_time_ms;
  t.open_time_broker_ms = r.open_time_broker_ms;
  t.close_time_broker_ms = r.close_time_broker_ms;
  t.broker_offset_s = r.broker_offset_s;
  t.volume = r.volume;
  t.open_price = r.open_price;
  t.close_price = r.close_price;
  t.profit = r.profit;
  t.swap = r.swap;
  t.commission = r.commission;
  t.fee = r.fee;
  t.net_profit = r.net_profit;
  t.points = r.points;
  t.pips = r.pips;
  return t;
}

DealRow copy_of(const mt5b_deal_record& r) {
  DealRow d;
  d.account_id = copy(r.account_id);
  d.time_ms = r.time_ms;
  if (r.deal == nullptr) return d;
  const mt5b_trade_deal& x = *r.deal;
  d.symbol = copy(x.symbol);
  d.comment = copy(x.comment);
  d.external_id = copy(x.external_id);
  d.type = x.type;
  d.entry = x.entry;
  d.reason = x.reason;
  d.ticket = x.ticket;
  d.order = x.order;
  d.position_id = x.position_id;
  d.magic = x.magic;
  d.broker_time_s = x.time;
  d.broker_time_msc = x.time_msc;
  d.volume = x.volume;
  d.price = x.price;
  d.profit = x.profit;
  d.swap = x.swap;
  d.commission = x.commission;
  d.fee = x.fee;
  return d;
}

TransactionRow copy_of(const mt5b_transaction_record& r) {
  TransactionRow t;
  t.account_id = copy(r.account_id);
  t.kind = copy(r.kind);
  t.comment = copy(r.comment);
  t.deal_type = r.deal_type;
  t.ticket = r.ticket;
  t.time_ms = r.time_ms;
  t.time_broker_ms = r.time_broker_ms;
  t.amount = r.amount;
  return t;
}

SyncLogRow copy_of(const mt5b_sync_log_record& r) {
  SyncLogRow s;
  s.id = copy(r.id);
  s.account_id = copy(r.account_id);
  s.sync_type = copy(r.sync_type);
  s.status = copy(r.status);
  s.error_message = copy(r.error_message);
  s.started_at_ms = r.started_at_ms;
  s.completed_at_ms = r.completed_at_ms;
  s.trades_synced = r.trades_synced;
  s.deals_synced = r.deals_synced;
  s.duration_ms = r.duration_ms;
  return s;
}

mt5b_status status_of(const std::function<void()>& call) {
  try {
    call();
    return MT5B_OK;
  } catch (const sdk::Error& error) {
    return error.status();
  }
}

AccountRow get_account(PostgresStorage& store, const std::string& id) {
  AccountRow out;
  store.account_get(id, [&](const mt5b_account_record& r) { out = copy_of(r); });
  return out;
}

std::vector<AccountRow> list_accounts(PostgresStorage& store, const mt5b_account_query& query) {
  std::vector<AccountRow> out;
  store.account_list(query, [&](const mt5b_account_record& r) { out.push_back(copy_of(r)); });
  return out;
}

std::vector<CredentialRow> list_credentials(PostgresStorage& store) {
  std::vector<CredentialRow> out;
  store.credential_list([&](const mt5b_credential_record& r) { out.push_back(copy_of(r)); });
  return out;
}

std::vector<AccountRow> lease(PostgresStorage& store, const mt5b_lease_request& request) {
  std::vector<AccountRow> out;
  store.lease_due(request, [&](const mt5b_account_record& r) { out.push_back(copy_of(r)); });
  return out;
}

#define MT5B_TEST_COLLECTOR(FUNCTION, SLOT, ROW, RECORD)                              \
  std::vector<ROW> FUNCTION(PostgresStorage& store, const mt5b_record_query& query) { \
    std::vector<ROW> out;                                                             \
    store.SLOT(query, [&](const RECORD& r) { out.push_back(copy_of(r)); });           \
    return out;                                                                       \
  }
MT5B_TEST_COLLECTOR(list_positions, position_list, PositionRow, mt5b_position_record)
MT5B_TEST_COLLECTOR(list_trades, trade_list, TradeRow, mt5b_trade_record)
MT5B_TEST_COLLECTOR(list_deals, deal_list, DealRow, mt5b_deal_record)
MT5B_TEST_COLLECTOR(list_transactions, transaction_list, TransactionRow, mt5b_transaction_record)
MT5B_TEST_COLLECTOR(list_sync_logs, sync_log_list, SyncLogRow, mt5b_sync_log_record)
#undef MT5B_TEST_COLLECTOR

}  // namespace mt5b::storage_postgres::testing
