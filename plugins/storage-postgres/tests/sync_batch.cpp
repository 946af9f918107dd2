#include "sync_batch.hpp"

#include "record_copies.hpp"

namespace mt5b::storage_postgres::testing {

SyncBatch::SyncBatch(std::string account_id, std::string lease_owner)
    : account_id_(std::move(account_id)), owner_(std::move(lease_owner)) {
  account_ = sdk::make<mt5b_account_record>();
  account_.id = s_(account_id_);
  account_.connection_status = s_("active");
  account_.broker_server_time_offset_s = kBrokerOffsetS;
  account_.last_sync_at_ms = kSyncNowMs;
  account_.last_successful_sync_at_ms = kSyncNowMs;
  account_.next_sync_at_ms = kSyncNowMs + 300'000;
  account_.currency = s_("EUR");
  account_.leverage = 100;
  account_.balance = 5000;
  account_.equity = 5100;
  account_.margin = 50;
  account_.free_margin = 5050;
  account_.margin_level = 10'200;
  account_.credit = 1;
  account_.profit = 100;
}

mt5b_position_record& SyncBatch::position(int64_t ticket, const std::string& type) {
  auto p = sdk::make<mt5b_position_record>();
  p.account_id = s_(account_id_);
  p.ticket = ticket;
  p.symbol = s_("EURUSD.r");
  p.canonical_symbol = s_("EURUSD");
  p.type = s_(type);
  p.volume = 0.1;
  p.open_price = 1.08123;
  p.current_price = 1.08223;
  p.sl = 1.07;
  p.tp = 1.1;
  p.profit = 10;
  p.swap = -0.5;
  p.commission = -0.7;
  p.magic = 42;
  p.comment = s_("grid #1");
  p.open_time_ms = kSyncNowMs - 3'600'000;
  p.open_time_broker_ms = p.open_time_ms + kBrokerOffsetS * 1000;
  p.broker_offset_s = kBrokerOffsetS;
  p.updated_at_ms = kSyncNowMs;
  return positions_.emplace_back(p);
}

mt5b_trade_record& SyncBatch::trade(int64_t position_id, int32_t segment, const std::string& type) {
  auto t = sdk::make<mt5b_trade_record>();
  t.segment = segment;
  t.account_id = s_(account_id_);
  t.ticket = position_id + segment;
  t.position_id = position_id;
  t.symbol = s_("XAUUSD.pro");
  t.canonical_symbol = s_("XAUUSD");
  t.type = s_(type);
  t.volume = 0.5;
  t.open_price = 2650.55;
  t.close_price = 2640.15;
  t.open_time_ms = kSyncNowMs - 7'200'000;
  t.close_time_ms = kSyncNowMs - 3'600'000;
  t.open_time_broker_ms = t.open_time_ms + kBrokerOffsetS * 1000;
  t.close_time_broker_ms = t.close_time_ms + kBrokerOffsetS * 1000;
  t.broker_offset_s = kBrokerOffsetS;
  t.profit = 520;
  t.swap = -1.5;
  t.commission = -3.5;
  t.fee = -0.25;
  t.net_profit = 514.75;
  t.points = 1040;
  t.pips = 104;
  t.duration_hours = 1;
  t.close_reason = s_("tp");
  return trades_.emplace_back(t);
}

mt5b_deal_record& SyncBatch::deal(int64_t ticket, int64_t time_ms) {
  auto d = sdk::make<mt5b_trade_deal>();
  d.type = 0;
  d.ticket = ticket;
  d.order = ticket + 1000;
  d.time_msc = time_ms + kBrokerOffsetS * 1000;
  d.time = d.time_msc / 1000;
  d.entry = 0;
  d.reason = 3;
  d.magic = 7;
  d.position_id = ticket;
  d.volume = 0.25;
  d.price = 1.2345;
  d.commission = -1;
  d.swap = 0;
  d.profit = 0;
  d.fee = -0.1;
  d.symbol = s_("GBPUSD");
  d.comment = s_("opened by EA");
  d.external_id = s_("ext-" + std::to_string(ticket));
  mt5b_trade_deal& kept = trade_deals_.emplace_back(d);
  auto r = sdk::make<mt5b_deal_record>();
  r.account_id = s_(account_id_);
  r.deal = &kept;
  r.time_ms = time_ms;
  return deals_.emplace_back(r);
}

mt5b_trade_deal& SyncBatch::deal_of(int64_t ticket) {
  for (mt5b_trade_deal& d : trade_deals_) {
    if (d.ticket == ticket) return d;
  }
  throw std::out_of_range("no deal " + std::to_string(ticket) + " in the batch");
}

mt5b_transaction_record& SyncBatch::transaction(int64_t ticket, const std::string& kind,
                                                double amount, int64_t time_ms) {
  auto t = sdk::make<mt5b_transaction_record>();
  t.deal_type = 2;
  t.account_id = s_(account_id_);
  t.ticket = ticket;
  t.kind = s_(kind);
  t.amount = amount;
  t.time_ms = time_ms;
  t.time_broker_ms = time_ms + kBrokerOffsetS * 1000;
  t.comment = s_("wire " + std::to_string(ticket));
  return transactions_.emplace_back(t);
}

mt5b_sync_log_record& SyncBatch::log(const std::string& id) {
  auto l = sdk::make<mt5b_sync_log_record>();
  l.id = s_(id);
  l.account_id = s_(account_id_);
  l.sync_type = s_("scheduled");
  l.status = s_("success");
  l.started_at_ms = kSyncNowMs - 2000;
  l.completed_at_ms = kSyncNowMs;
  l.trades_synced = 1;
  l.deals_synced = 2;
  l.duration_ms = 2000;
  return logs_.emplace_back(l);
}

const mt5b_sync_apply& SyncBatch::apply() {
  position_array_.assign(positions_.begin(), positions_.end());
  trade_array_.assign(trades_.begin(), trades_.end());
  deal_array_.assign(deals_.begin(), deals_.end());
  transaction_array_.assign(transactions_.begin(), transactions_.end());
  apply_ = sdk::make<mt5b_sync_apply>();
  apply_.snapshot_valid = snapshot_valid;
  apply_.lease_owner = s_(owner_);
  apply_.account = &account_;
  apply_.positions = position_array_.data();
  apply_.position_count = static_cast<uint32_t>(position_array_.size());
  apply_.replace_positions = replace_positions;
  apply_.trades = trade_array_.data();
  apply_.trade_count = static_cast<uint32_t>(trade_array_.size());
  apply_.deals = deal_array_.data();
  apply_.deal_count = static_cast<uint32_t>(deal_array_.size());
  apply_.transactions = transaction_array_.data();
  apply_.transaction_count = static_cast<uint32_t>(transaction_array_.size());
  apply_.sync_log = logs_.empty() ? nullptr : &logs_.back();
  return apply_;
}

void lease_for(PostgresStorage& store, const std::string& account_id, const std::string& owner,
               int64_t now_ms) {
  auto request = sdk::make<mt5b_lease_request>();
  request.owner = sdk::str(owner);
  request.account_id = sdk::str(account_id);
  request.now_ms = now_ms;
  request.lease_ttl_ms = 60'000;
  lease(store, request);
}

}  // namespace mt5b::storage_postgres::testing
