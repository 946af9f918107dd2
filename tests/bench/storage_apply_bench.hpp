// The synthetic first sync of one account that storage_apply_bench applies (and writes as the
// reference SQL): 20 open positions, 25 closed round trips (50 deals, 25 closed trades),
// 3 balance transactions, a new snapshot and a sync log. Tickets never collide between kinds,
// as the trades table keeps open and closed trades unique per (account_id, ticket).
#ifndef MT5B_BENCH_STORAGE_APPLY_BENCH_HPP
#define MT5B_BENCH_STORAGE_APPLY_BENCH_HPP

#include <mt5bridge/sdk.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace storage_bench {

using mt5b::sdk::str;

constexpr int kPositions = 20, kClosedTrades = 25, kDeals = 2 * kClosedTrades, kTransactions = 3;
constexpr int64_t kOffsetS = 7200;  // the synthetic broker's clock: UTC+02:00
const char* const kSymbols[] = {"EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30", "BTCUSD"};

inline std::string uuid(unsigned kind, int64_t n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012llx", kind,
                static_cast<unsigned long long>(n));
  return text;
}

// ---- synthetic data: everything one first sync of account `n` writes ----
struct Sync {
  std::string id, user_id, log_id;
  mt5b_account_record account;
  std::vector<mt5b_position_record> positions;
  std::vector<mt5b_trade_record> trades;
  std::vector<mt5b_trade_deal> trade_deals;
  std::vector<mt5b_deal_record> deals;
  std::vector<mt5b_transaction_record> transactions;
  mt5b_sync_log_record log;
  std::vector<std::string> comments;  // owns the strings the records point at
};

inline mt5b_account_record account_record(const std::string& id, const std::string& user, int n,
                                          int64_t now_ms) {
  auto a = mt5b::sdk::make<mt5b_account_record>();
  a.is_active = 1;
  a.id = str(id);
  a.user_id = str(user);
  a.login = 50'000'000 + n;
  a.server = str("Bench-Live");
  a.broker_name = str("Bench Markets Ltd.");
  a.broker_instance = str("bench");
  a.connection_status = str("active");
  a.broker_server_time_offset_s = kOffsetS;
  a.currency = str("USD");
  a.leverage = 100;
  a.created_at_ms = a.updated_at_ms = now_ms;
  return a;
}

inline void make_sync(int n, int64_t now_ms, Sync& s) {
  s.id = uuid(0xacc, n);
  s.user_id = uuid(0x05e4, n % 97);
  s.log_id = uuid(0x10c, n);
  s.comments.clear();
  s.comments.reserve(kPositions + kTransactions);
  s.account = account_record(s.id, s.user_id, n, now_ms);
  s.account.last_sync_at_ms = s.account.last_successful_sync_at_ms = now_ms;
  s.account.next_sync_at_ms = now_ms + 300'000;
  s.account.balance = 10'000 + n;
  s.account.equity = s.account.balance + 123.45;
  s.account.margin = 250;
  s.account.free_margin = s.account.equity - 250;
  s.account.margin_level = 100 * s.account.equity / 250;
  s.account.profit = 123.45;
  const auto acc = str(s.id);
  const int64_t base = now_ms - 30LL * 86'400'000;  // history of the last 30 days
  s.positions.assign(kPositions, mt5b::sdk::make<mt5b_position_record>());
  for (int i = 0; i < kPositions; ++i) {
    auto& p = s.positions[i];
    const char* symbol = kSymbols[i % 6];
    s.comments.push_back("grid " + std::to_string(i));
    p.account_id = acc;
    p.ticket = 1'000'000 + i;
    p.symbol = p.canonical_symbol = str(symbol);
    p.type = str(i % 2 ? "sell" : "buy");
    p.volume = 0.01 * (i + 1);
    p.open_price = 1.08 + i * 0.001;
    p.current_price = p.open_price + 0.0005;
    p.sl = p.open_price - 0.01;
    p.tp = p.open_price + 0.02;
    p.profit = 5.0 * i - 20;
    p.swap = -0.5;
    p.magic = 42;
    p.comment = str(s.comments.back());
    p.open_time_ms = now_ms - (i + 1) * 3'600'000LL;
    p.open_time_broker_ms = p.open_time_ms + kOffsetS * 1000;
    p.broker_offset_s = kOffsetS;
    p.updated_at_ms = now_ms;
  }
  s.trades.assign(kClosedTrades, mt5b::sdk::make<mt5b_trade_record>());
  s.trade_deals.assign(kDeals, mt5b::sdk::make<mt5b_trade_deal>());
  s.deals.assign(kDeals, mt5b::sdk::make<mt5b_deal_record>());
  for (int t = 0; t < kClosedTrades; ++t) {
    auto& tr = s.trades[t];
    const int64_t open_ms = base + t * 86'400'000LL + n % 1000;
    tr.account_id = acc;
    tr.ticket = tr.position_id = 2'000'000 + t;
    tr.symbol = tr.canonical_symbol = str(kSymbols[t % 6]);
    tr.type = str(t % 2 ? "sell" : "buy");
    tr.volume = 0.1;
    tr.open_price = 1.1;
    tr.close_price = t % 3 ? 1.101 : 1.099;
    tr.open_time_ms = open_ms;
    tr.close_time_ms = open_ms + 5'400'000;
    tr.open_time_broker_ms = tr.open_time_ms + kOffsetS * 1000;
    tr.close_time_broker_ms = tr.close_time_ms + kOffsetS * 1000;
    tr.broker_offset_s = kOffsetS;
    tr.profit = t % 3 ? 10.0 : -10.0;
    tr.commission = -0.7;
    tr.swap = -0.1;
    tr.net_profit = tr.profit - 0.8;
    tr.points = 10;
    tr.pips = 1;
    tr.duration_hours = 1.5;
    tr.close_reason = str(t % 3 ? "tp" : "sl");
    for (int leg = 0; leg < 2; ++leg) {  // the opening and the closing deal
      auto& d = s.trade_deals[2 * t + leg];
      const int64_t utc_ms = leg == 0 ? tr.open_time_ms : tr.close_time_ms;
      d.ticket = 3'000'000 + 2 * t + leg;
      d.order = 5'000'000 + 2 * t + leg;
      d.type = (t % 2) ^ leg;
      d.entry = leg;
      d.reason = leg ? 5 : 0;
      d.magic = 42;
      d.position_id = tr.position_id;
      d.volume = 0.1;
      d.price = leg ? tr.close_price : tr.open_price;
      d.commission = -0.35;
      d.profit = leg ? tr.profit : 0;
      d.time_msc = utc_ms + kOffsetS * 1000;
      d.time = d.time_msc / 1000;
      d.symbol = tr.symbol;
      auto& r = s.deals[2 * t + leg];
      r.account_id = acc;
      r.deal = &d;
      r.time_ms = utc_ms;
    }
  }
  s.transactions.assign(kTransactions, mt5b::sdk::make<mt5b_transaction_record>());
  const char* kinds[] = {"deposit", "withdrawal", "credit"};
  for (int k = 0; k < kTransactions; ++k) {
    auto& x = s.transactions[k];
    s.comments.push_back("transfer " + std::to_string(k));
    x.account_id = acc;
    x.deal_type = k == 2 ? 3 : 2;
    x.ticket = 4'000'000 + k;
    x.kind = str(kinds[k]);
    x.amount = k == 1 ? -500.0 : 1000.0;
    x.time_ms = base - (k + 1) * 86'400'000LL;
    x.time_broker_ms = x.time_ms + kOffsetS * 1000;
    x.comment = str(s.comments.back());
  }
  s.log = mt5b::sdk::make<mt5b_sync_log_record>();
  s.log.id = str(s.log_id);
  s.log.account_id = acc;
  s.log.sync_type = str("scheduled");
  s.log.status = str("success");
  s.log.started_at_ms = now_ms - 1500;
  s.log.completed_at_ms = now_ms;
  s.log.trades_synced = kClosedTrades;
  s.log.deals_synced = kDeals;
  s.log.duration_ms = 1500;
}

}  // namespace storage_bench

#endif  // MT5B_BENCH_STORAGE_APPLY_BENCH_HPP
