// Owning copies of the storage ABI's records: each holds its strings, gives the ABI record that
// borrows them (view), copies an ABI record in (from: through sdk::read_struct, so fields an older
// plugin lacks read as zero), compares and prints (gtest shows them in failure messages). For
// the host, for plugins that read rows back before emitting them, for tests that build inputs
// and keep what a plugin emitted (emitted records are valid only during emit), and for the
// conformance suite. Each record's fields are listed once below (record_fields.hpp).
#ifndef MT5BRIDGE_RECORDS_HPP
#define MT5BRIDGE_RECORDS_HPP

#include <mt5bridge/broker_records.hpp>
#include <mt5bridge/record_fields.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// clang-format off
#define MT5B_ACCOUNT_FIELDS(F)                                                              \
  F(std::string, id, {}) F(std::string, user_id, {}) F(int64_t, login, 0)                   \
  F(std::string, server, {}) F(std::string, broker_name, {})                                \
  F(std::string, broker_instance, {}) F(bool, is_active, true)                              \
  F(std::string, connection_status, "active") /* active | error | auth_failed | disabled */ \
  F(std::string, last_connection_error, {}) F(int64_t, sync_failure_count, 0)               \
  F(int64_t, broker_server_time_offset_s, 0) F(std::string, currency, {})                   \
  F(int64_t, leverage, 0) F(double, balance, 0) F(double, equity, 0) F(double, margin, 0)   \
  F(double, free_margin, 0) F(double, margin_level, 0) F(double, credit, 0)                 \
  F(double, profit, 0) F(int64_t, created_at_ms, 0) F(int64_t, updated_at_ms, 0)           \
  F(int64_t, last_sync_at_ms, 0) F(int64_t, last_successful_sync_at_ms, 0)                  \
  F(int64_t, next_sync_at_ms, 0) /* 0: due now (ABI 1.1; reads 0 from 1.0 stores) */

#define MT5B_CREDENTIAL_FIELDS(F)                                                  \
  F(std::string, account_id, {}) F(std::string, user_id, {}) F(std::string, key_id, {}) \
  F(std::string, ciphertext, {}) F(int64_t, created_at_ms, 0)

#define MT5B_POSITION_FIELDS(F)                                                             \
  F(std::string, account_id, {}) F(int64_t, ticket, 0) F(std::string, symbol, {})           \
  F(std::string, canonical_symbol, {}) F(std::string, type, {}) /* "buy" | "sell" */        \
  F(double, volume, 0) F(double, open_price, 0) F(double, current_price, 0) F(double, sl, 0) \
  F(double, tp, 0) F(double, profit, 0) F(double, swap, 0) F(double, commission, 0)         \
  F(int64_t, magic, 0) F(std::string, comment, {}) F(int64_t, open_time_ms, 0)              \
  F(int64_t, open_time_broker_ms, 0) F(int64_t, broker_offset_s, 0)                         \
  F(int64_t, updated_at_ms, 0)

// Exact fields of a trade; duration_hours is compared apart (Trade::operator==).
#define MT5B_TRADE_EXACT_FIELDS(F)                                                          \
  F(int32_t, segment, 0) F(std::string, account_id, {}) F(int64_t, ticket, 0)               \
  F(int64_t, position_id, 0) F(std::string, symbol, {}) F(std::string, canonical_symbol, {}) \
  F(std::string, type, {}) F(double, volume, 0) F(double, open_price, 0)                    \
  F(double, close_price, 0) F(int64_t, open_time_ms, 0) F(int64_t, close_time_ms, 0)        \
  F(int64_t, open_time_broker_ms, 0) F(int64_t, close_time_broker_ms, 0)                    \
  F(int64_t, broker_offset_s, 0) F(double, profit, 0) F(double, swap, 0)                    \
  F(double, commission, 0) F(double, fee, 0) F(double, net_profit, 0) F(double, points, 0)  \
  F(double, pips, 0) F(std::string, close_reason, {})
#define MT5B_TRADE_FIELDS(F) MT5B_TRADE_EXACT_FIELDS(F) F(double, duration_hours, 0)

// A stored deal: its account and true UTC time beside the TradeDeal's own fields.
#define MT5B_DEAL_OWN_FIELDS(F) F(std::string, account_id, {}) F(int64_t, time_ms, 0)
#define MT5B_DEAL_FIELDS(F) MT5B_DEAL_OWN_FIELDS(F) MT5B_TRADE_DEAL_FIELDS(F)

#define MT5B_TRANSACTION_FIELDS(F)                                                        \
  F(int32_t, deal_type, 0) F(std::string, account_id, {}) F(int64_t, ticket, 0)           \
  F(std::string, kind, {}) F(double, amount, 0) F(int64_t, time_ms, 0)                    \
  F(int64_t, time_broker_ms, 0) F(std::string, comment, {})

#define MT5B_SYNC_LOG_FIELDS(F)                                                            \
  F(std::string, id, {}) F(std::string, account_id, {})                                    \
  F(std::string, sync_type, "scheduled") /* scheduled | manual | realtime */               \
  F(std::string, status, "processing")   /* processing | success | failed | partial */     \
  F(std::string, error_message, {}) F(int64_t, started_at_ms, 0)                           \
  F(int64_t, completed_at_ms, 0) F(int64_t, trades_synced, 0) F(int64_t, deals_synced, 0)  \
  F(int64_t, duration_ms, 0)

#define MT5B_AUDIT_FIELDS(F)                                                               \
  F(std::string, id, {}) F(std::string, actor, {}) F(std::string, action, {})              \
  F(std::string, subject, {}) F(std::string, details_json, {}) F(int64_t, at_ms, 0)
// clang-format on

namespace mt5b::sdk::records {

struct Account {
  MT5B_RECORD(Account, mt5b_account_record, MT5B_ACCOUNT_FIELDS)
  bool operator==(const Account&) const = default;
};

struct Credential {
  MT5B_RECORD(Credential, mt5b_credential_record, MT5B_CREDENTIAL_FIELDS)
  bool operator==(const Credential&) const = default;
};

struct Position {
  MT5B_RECORD(Position, mt5b_position_record, MT5B_POSITION_FIELDS)
  bool operator==(const Position&) const = default;
};

struct Trade {
  MT5B_RECORD(Trade, mt5b_trade_record, MT5B_TRADE_FIELDS)
  // duration_hours may be derived from the two times by the store: compared to within 1e-9 h.
  bool operator==(const Trade& other) const {
#define MT5B_RECORD_SAME(type, name, init) &&name == other.name
    return true MT5B_TRADE_EXACT_FIELDS(MT5B_RECORD_SAME) &&
           std::fabs(duration_hours - other.duration_hours) < 1e-9;
#undef MT5B_RECORD_SAME
  }
};

struct Deal {
  MT5B_RECORD_FIELDS(Deal, MT5B_DEAL_FIELDS)

  // A stored deal of `deal`, made at UTC `time_ms`, of account `account_id`.
  static Deal of(std::string account_id, const TradeDeal& deal, int64_t time_ms) {
    Deal out;
#define MT5B_RECORD_TAKE(type, name, init) out.name = deal.name;
    MT5B_TRADE_DEAL_FIELDS(MT5B_RECORD_TAKE)
#undef MT5B_RECORD_TAKE
    out.account_id = std::move(account_id);
    out.time_ms = time_ms;
    return out;
  }
  TradeDeal trade() const {
    TradeDeal out;
#define MT5B_RECORD_GIVE(type, name, init) out.name = name;
    MT5B_TRADE_DEAL_FIELDS(MT5B_RECORD_GIVE)
#undef MT5B_RECORD_GIVE
    return out;
  }
  mt5b_trade_deal trade_deal() const noexcept {
    auto abi_record = sdk::make<mt5b_trade_deal>();
    MT5B_TRADE_DEAL_FIELDS(MT5B_RECORD_TO_ABI)
    return abi_record;
  }
  // The record pointing at `deal`, which must outlive it.
  mt5b_deal_record view(const mt5b_trade_deal& deal) const noexcept {
    auto abi_record = sdk::make<mt5b_deal_record>();
    MT5B_DEAL_OWN_FIELDS(MT5B_RECORD_TO_ABI)
    abi_record.deal = &deal;
    return abi_record;
  }
  static Deal from(const mt5b_deal_record& record) {
    const auto abi_record = detail::read(record);
    Deal owned;
    MT5B_DEAL_OWN_FIELDS(MT5B_RECORD_FROM_ABI)
    if (abi_record.deal == nullptr) return owned;  // a test then sees every deal field as 0
    const auto deal = detail::read(*abi_record.deal);
#define MT5B_RECORD_FROM_DEAL(type, name, init) detail::from_abi(owned.name, deal.name);
    MT5B_TRADE_DEAL_FIELDS(MT5B_RECORD_FROM_DEAL)
#undef MT5B_RECORD_FROM_DEAL
    return owned;
  }
  bool operator==(const Deal&) const = default;
};

struct Transaction {
  MT5B_RECORD(Transaction, mt5b_transaction_record, MT5B_TRANSACTION_FIELDS)
  bool operator==(const Transaction&) const = default;
};

struct SyncLog {
  MT5B_RECORD(SyncLog, mt5b_sync_log_record, MT5B_SYNC_LOG_FIELDS)
  bool operator==(const SyncLog&) const = default;
};

struct Audit {
  MT5B_RECORD(Audit, mt5b_audit_record, MT5B_AUDIT_FIELDS)
  bool operator==(const Audit&) const = default;
};

// What one sync writes, in one transaction (mt5b_sync_apply): the account's sync state (and its
// snapshot when snapshot_valid), its positions, new trades, deals and transactions, a sync log.
struct SyncApply {
  std::string lease_owner;
  Account account;
  bool snapshot_valid = false;
  std::vector<Position> positions;
  bool replace_positions = false;
  std::vector<Trade> trades;
  std::vector<Deal> deals;
  std::vector<Transaction> transactions;
  std::optional<SyncLog> sync_log;
};

// The ABI form of a SyncApply, borrowing from it: valid while the SyncApply lives unchanged.
// Neither copied nor moved, since the ABI struct points into its own members.
class SyncApplyView {
 public:
  explicit SyncApplyView(const SyncApply& apply) : account_(apply.account.view()) {
    for (const auto& p : apply.positions) positions_.push_back(p.view());
    for (const auto& t : apply.trades) trades_.push_back(t.view());
    trade_deals_.reserve(apply.deals.size());  // the deal records point into it
    for (const auto& d : apply.deals)
      deals_.push_back(d.view(trade_deals_.emplace_back(d.trade_deal())));
    for (const auto& t : apply.transactions) transactions_.push_back(t.view());
    if (apply.sync_log) log_ = apply.sync_log->view();
    apply_ = sdk::make<mt5b_sync_apply>();
    apply_.snapshot_valid = apply.snapshot_valid ? 1 : 0;
    apply_.lease_owner = sdk::str(apply.lease_owner);
    apply_.account = &account_;
    apply_.replace_positions = apply.replace_positions ? 1 : 0;
    point_at_lists();
  }
  SyncApplyView(const SyncApplyView&) = delete;
  SyncApplyView& operator=(const SyncApplyView&) = delete;

  const mt5b_sync_apply* get() const noexcept { return &apply_; }
  // For tests of hostile input: a deal record appended as it is (e.g. with a null deal).
  void append_deal_record(const mt5b_deal_record& record) {
    deals_.push_back(record);
    point_at_lists();
  }

 private:
  void point_at_lists() noexcept {
    apply_.positions = positions_.data();
    apply_.position_count = static_cast<uint32_t>(positions_.size());
    apply_.trades = trades_.data();
    apply_.trade_count = static_cast<uint32_t>(trades_.size());
    apply_.deals = deals_.data();
    apply_.deal_count = static_cast<uint32_t>(deals_.size());
    apply_.transactions = transactions_.data();
    apply_.transaction_count = static_cast<uint32_t>(transactions_.size());
    apply_.sync_log = log_ ? &*log_ : nullptr;
  }

  mt5b_account_record account_;
  std::vector<mt5b_position_record> positions_;
  std::vector<mt5b_trade_record> trades_;
  std::vector<mt5b_trade_deal> trade_deals_;
  std::vector<mt5b_deal_record> deals_;
  std::vector<mt5b_transaction_record> transactions_;
  std::optional<mt5b_sync_log_record> log_;
  mt5b_sync_apply apply_;
};

}  // namespace mt5b::sdk::records

#endif  // MT5BRIDGE_RECORDS_HPP
