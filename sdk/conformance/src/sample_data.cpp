#include "sample_data.hpp"

#include <cstdio>

namespace mt5b::conformance {

std::string sample_uuid(IdKind kind, int n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012x", static_cast<unsigned>(kind),
                static_cast<unsigned>(n));
  return text;
}

Account sample_account(int n, int user) {
  Account a;
  a.id = sample_uuid(IdKind::account, n);
  a.user_id = sample_uuid(IdKind::user, user);
  a.login = 50'000'000 + n;
  a.server = "MetaQuotes-Demo";
  a.broker_name = "MetaQuotes Ltd.";
  a.broker_instance = "mock-1";
  a.is_active = true;
  a.connection_status = "active";
  a.sync_failure_count = 0;
  a.broker_server_time_offset_s = kSampleOffsetS;
  a.currency = "USD";
  a.leverage = 100;
  a.balance = 10000.5 + n;
  a.equity = 10100.25 + n;
  a.margin = 250.0;
  a.free_margin = 9850.25;
  a.margin_level = 4040.1;
  a.credit = 0.0;
  a.profit = 99.75;
  a.created_at_ms = kSampleBaseMs + n * 1000;
  a.updated_at_ms = kSampleBaseMs + n * 1000;
  return a;
}

Credential sample_credential(const Account& account) {
  return Credential{account.id, account.user_id, "key-2025",
                    std::string("\x01\x02sealed\0bytes\xff", 15), kSampleBaseMs};
}

Position sample_position(const std::string& account_id, int n) {
  Position p;
  p.account_id = account_id;
  p.ticket = 100'000 + n;
  p.symbol = "EURUSD.m";
  p.canonical_symbol = "EURUSD";
  p.type = n % 2 == 0 ? "buy" : "sell";
  p.volume = 0.1 * (n + 1);
  p.open_price = 1.08 + n * 0.001;
  p.current_price = 1.085 + n * 0.001;
  p.sl = 1.07;
  p.tp = 1.1;
  p.profit = 50.5 + n;
  p.swap = -1.25;
  p.commission = -0.7;
  p.magic = 42;
  p.comment = "position " + std::to_string(n);
  p.open_time_ms = kSampleBaseMs - (n + 1) * 60'000;
  p.open_time_broker_ms = p.open_time_ms + kSampleOffsetS * 1000;
  p.broker_offset_s = kSampleOffsetS;
  p.updated_at_ms = kSampleBaseMs + 5'000;
  return p;
}

Trade sample_trade(const std::string& account_id, int n) {
  Trade t;
  t.account_id = account_id;
  t.position_id = 200'000 + n;
  t.ticket = t.position_id;
  t.segment = 0;
  t.symbol = "GBPUSD.m";
  t.canonical_symbol = "GBPUSD";
  t.type = n % 2 == 0 ? "sell" : "buy";
  t.volume = 0.5;
  t.open_price = 1.265;
  t.close_price = 1.2525;
  t.open_time_ms = kSampleBaseMs - 86'400'000 + n * 3'600'000;
  t.close_time_ms = t.open_time_ms + 1'800'000 + n * 1'000;
  t.open_time_broker_ms = t.open_time_ms + kSampleOffsetS * 1000;
  t.close_time_broker_ms = t.close_time_ms + kSampleOffsetS * 1000;
  t.broker_offset_s = kSampleOffsetS;
  t.profit = 625.0;
  t.swap = -2.5;
  t.commission = -3.5;
  t.fee = -0.25;
  t.net_profit = 618.75;
  t.points = 125;
  t.pips = 12.5;
  t.duration_hours = static_cast<double>(t.close_time_ms - t.open_time_ms) / 3'600'000.0;
  t.close_reason = "tp";
  return t;
}

Deal sample_deal(const std::string& account_id, int n) {
  Deal d;
  d.account_id = account_id;
  d.ticket = 300'000 + n;
  d.order = 400'000 + n;
  d.position_id = 200'000 + n;
  d.type = n % 2;
  d.entry = 1;
  d.reason = 5;
  d.magic = 42;
  d.volume = 0.5;
  d.price = 1.2525;
  d.commission = -1.75;
  d.swap = -2.5;
  d.profit = 625.0;
  d.fee = -0.25;
  d.symbol = "GBPUSD.m";
  d.comment = "[tp 1.2525]";
  d.external_id = "ext-" + std::to_string(n);
  d.time_ms = kSampleBaseMs - 3'600'000 + n * 1'000 + 123;
  d.time_msc = d.time_ms + kSampleOffsetS * 1000;
  d.time = d.time_msc / 1000;
  return d;
}

Transaction sample_transaction(const std::string& account_id, int n) {
  Transaction t;
  t.account_id = account_id;
  t.ticket = 500'000 + n;
  t.deal_type = 2;  // DEAL_TYPE_BALANCE
  t.kind = n % 2 == 0 ? "deposit" : "withdrawal";
  t.amount = n % 2 == 0 ? 1000.0 + n : -(250.0 + n);
  t.time_ms = kSampleBaseMs - 7'200'000 + n * 1'000 + 7;
  t.time_broker_ms = t.time_ms + kSampleOffsetS * 1000;
  t.comment = "transfer " + std::to_string(n);
  return t;
}

SyncLog sample_sync_log(const std::string& account_id, int n) {
  SyncLog l;
  l.id = sample_uuid(IdKind::sync_log, n);
  l.account_id = account_id;
  l.sync_type = "scheduled";
  l.status = "success";
  l.started_at_ms = kSampleBaseMs + n * 60'000;
  l.completed_at_ms = l.started_at_ms + 1'500;
  l.trades_synced = 2;
  l.deals_synced = 3;
  l.duration_ms = 1'500;
  return l;
}

Audit sample_audit(int n, const std::string& subject) {
  return Audit{sample_uuid(IdKind::audit, n),
               "service:key-1",
               "user_data_deleted",
               subject,
               R"({"reason": "gdpr request", "accounts": 2})",
               kSampleBaseMs + n};
}

SyncBatch sample_batch(const Account& account, const std::string& lease_owner) {
  SyncBatch b;
  b.lease_owner = lease_owner;
  b.account = account;
  b.account.connection_status = "active";
  b.account.last_connection_error = "";
  b.account.sync_failure_count = 0;
  b.account.last_sync_at_ms = kSampleBaseMs + 600'000;
  b.account.last_successful_sync_at_ms = kSampleBaseMs + 600'000;
  b.account.next_sync_at_ms = kSampleBaseMs + 1'200'000;
  b.account.broker_server_time_offset_s = 10800;
  b.account.currency = "EUR";
  b.account.leverage = 500;
  b.account.balance = 12345.67;
  b.account.equity = 12400.01;
  b.account.margin = 321.5;
  b.account.free_margin = 12078.51;
  b.account.margin_level = 3856.9;
  b.account.credit = 50.0;
  b.account.profit = 54.34;
  b.positions = {sample_position(account.id, 0), sample_position(account.id, 1)};
  b.trades = {sample_trade(account.id, 0), sample_trade(account.id, 1)};
  b.deals = {sample_deal(account.id, 0), sample_deal(account.id, 1), sample_deal(account.id, 2)};
  b.transactions = {sample_transaction(account.id, 0), sample_transaction(account.id, 1)};
  b.sync_log = sample_sync_log(account.id, 0);
  return b;
}

CallResult apply(StoreInstance& store, const SyncBatch& batch, mt5b_sync_apply_result& result) {
  const auto account = batch.account.view();
  std::vector<mt5b_position_record> positions;
  for (const auto& p : batch.positions) positions.push_back(p.view());
  std::vector<mt5b_trade_record> trades;
  for (const auto& t : batch.trades) trades.push_back(t.view());
  std::vector<mt5b_trade_deal> trade_deals;
  trade_deals.reserve(batch.deals.size());  // the deal records point into it
  std::vector<mt5b_deal_record> deals;
  for (const auto& d : batch.deals)
    deals.push_back(d.view(trade_deals.emplace_back(d.trade_deal())));
  if (batch.null_deal_last) {
    auto broken = sdk::make<mt5b_deal_record>();
    broken.account_id = sdk::str(batch.account.id);
    broken.time_ms = kSampleBaseMs;
    deals.push_back(broken);
  }
  std::vector<mt5b_transaction_record> transactions;
  for (const auto& t : batch.transactions) transactions.push_back(t.view());
  std::optional<mt5b_sync_log_record> log;
  if (batch.sync_log) log = batch.sync_log->view();

  auto a = sdk::make<mt5b_sync_apply>();
  a.snapshot_valid = batch.snapshot_valid ? 1 : 0;
  a.lease_owner = sdk::str(batch.lease_owner);
  a.account = &account;
  a.positions = positions.data();
  a.position_count = static_cast<uint32_t>(positions.size());
  a.replace_positions = batch.replace_positions ? 1 : 0;
  a.trades = trades.data();
  a.trade_count = static_cast<uint32_t>(trades.size());
  a.deals = deals.data();
  a.deal_count = static_cast<uint32_t>(deals.size());
  a.transactions = transactions.data();
  a.transaction_count = static_cast<uint32_t>(transactions.size());
  a.sync_log = log ? &*log : nullptr;
  return store.sync_apply(a, result);
}

}  // namespace mt5b::conformance
