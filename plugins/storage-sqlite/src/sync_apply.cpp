// One sync, applied in ONE transaction: the lease is checked, every record validated, and
// everything written, or nothing is (mt5b_sync_apply in abi.h; the storage contract v2).
#include "sqlite_storage.hpp"

#include "record_rows.hpp"
#include "storage_errors.hpp"
#include "time_columns.hpp"

#include <vector>

namespace mt5b::storage_sqlite {
namespace {

using sdk::copy;
using sdk::view;

// The i-th record of a caller's array. The producer's struct_size is the stride, so records
// from a newer or older producer are read field by field like every other ABI struct.
template <class T>
T record_at(const T* first, size_t index) {
  const auto* base = reinterpret_cast<const unsigned char*>(first);
  T out;
  sdk::read_struct(reinterpret_cast<const T*>(base + index * first->struct_size), out);
  return out;
}

template <class T>
std::vector<T> read_array(const T* first, uint32_t count, const char* what) {
  std::vector<T> out;
  if (count == 0) return out;
  if (first == nullptr || first->struct_size < sizeof(uint32_t)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string("the apply says it carries ") +
                                                std::to_string(count) + " " + what +
                                                " but passes no valid array; pass them or a "
                                                "count of 0");
  }
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) out.push_back(record_at(first, i));
  return out;
}

// Everything of one apply, copied and checked before the transaction starts.
struct ApplyRecords {
  mt5b_account_record account;
  std::vector<mt5b_position_record> positions;
  std::vector<mt5b_trade_record> trades;
  std::vector<mt5b_trade_deal> deals;  // the TradeDeal of each deal record
  std::vector<int64_t> deal_times_ms;
  std::vector<mt5b_transaction_record> transactions;
  bool has_sync_log = false;
  mt5b_sync_log_record sync_log;
};

std::string position_in_apply(const char* what, size_t index, int64_t ticket) {
  return std::string(what) + " " + std::to_string(index + 1) + " (ticket " +
         std::to_string(ticket) + ")";
}

void require_same_account(mt5b_str record_account, std::string_view account_id,
                          const std::string& which) {
  if (record_account.size != 0 && view(record_account) != account_id) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     which + " names account '" + copy(record_account) +
                         "' but the apply is for '" + std::string(account_id) +
                         "'; apply each account's records separately, nothing was written");
  }
}

void require_side(mt5b_str type, const std::string& which) {
  if (view(type) != "buy" && view(type) != "sell") {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, which + " has type '" + copy(type) +
                                                "'; use \"buy\" or \"sell\", nothing was written");
  }
}

ApplyRecords read_and_validate(const mt5b_sync_apply& apply) {
  ApplyRecords r;
  if (apply.account == nullptr) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the apply has no account; pass the account's id and new sync state");
  }
  sdk::read_struct(apply.account, r.account);
  require_text(r.account.id, "the apply's account id");
  require_text(apply.lease_owner, "the apply's lease_owner (who holds the account's lease)");
  const std::string_view account_id = view(r.account.id);

  r.positions = read_array(apply.positions, apply.position_count, "positions");
  for (size_t i = 0; i < r.positions.size(); ++i) {
    const std::string which = position_in_apply("position", i, r.positions[i].ticket);
    require_same_account(r.positions[i].account_id, account_id, which);
    require_side(r.positions[i].type, which);
  }
  r.trades = read_array(apply.trades, apply.trade_count, "trades");
  for (size_t i = 0; i < r.trades.size(); ++i) {
    const std::string which = position_in_apply("trade", i, r.trades[i].ticket);
    require_same_account(r.trades[i].account_id, account_id, which);
    require_side(r.trades[i].type, which);
  }
  const auto deal_records = read_array(apply.deals, apply.deal_count, "deals");
  for (size_t i = 0; i < deal_records.size(); ++i) {
    if (deal_records[i].deal == nullptr) {
      throw sdk::Error(MT5B_INVALID_ARGUMENT, "deal record " + std::to_string(i + 1) +
                                                  " has no deal; pass the TradeDeal it "
                                                  "records, nothing was written");
    }
    mt5b_trade_deal deal;
    sdk::read_struct(deal_records[i].deal, deal);
    require_same_account(deal_records[i].account_id, account_id,
                         position_in_apply("deal", i, deal.ticket));
    r.deals.push_back(deal);
    r.deal_times_ms.push_back(deal_records[i].time_ms);
  }
  r.transactions = read_array(apply.transactions, apply.transaction_count, "transactions");
  for (size_t i = 0; i < r.transactions.size(); ++i) {
    const std::string which = position_in_apply("transaction", i, r.transactions[i].ticket);
    require_same_account(r.transactions[i].account_id, account_id, which);
    if (r.transactions[i].kind.size == 0) {
      throw sdk::Error(MT5B_INVALID_ARGUMENT,
                       which +
                           " has no kind; name it (deposit, withdrawal, credit, ...), "
                           "nothing was written");
    }
  }
  if (apply.sync_log != nullptr) {
    r.has_sync_log = true;
    sdk::read_struct(apply.sync_log, r.sync_log);
    require_same_account(r.sync_log.account_id, account_id, "the sync log");
    validate_sync_log(r.sync_log);
  }
  return r;
}

// The account row as the apply finds it: its owner and currency, and whether `lease_owner`
// still holds its lease at `now`.
struct LeasedAccount {
  std::string user_id;
  std::string currency;
};

LeasedAccount check_lease(Connection& writer, std::string_view account_id,
                          std::string_view lease_owner, int64_t now) {
  auto select = writer.statement(
      "SELECT user_id, currency, lease_owner, lease_expires_at FROM trading_accounts "
      "WHERE id = ?1");
  select.bind_text(1, account_id);
  if (!select.step()) throw account_not_found(account_id);
  LeasedAccount account{std::string(select.text(0)), std::string(select.text(1))};
  const int64_t expires =
      read_utc_time(select, 3, "lease_expires_at", "account '" + std::string(account_id) + "'");
  if (select.is_null(2) || select.text(2) != lease_owner || expires == 0 || expires < now) {
    throw sdk::Error(MT5B_CONFLICT, "'" + std::string(lease_owner) +
                                        "' no longer holds the lease on account '" +
                                        std::string(account_id) +
                                        "' (it expired or another owner took it); nothing was "
                                        "written, lease the account again and re-sync");
  }
  return account;
}

void write_account_state(Connection& writer, const mt5b_account_record& a, bool snapshot_valid,
                         int64_t now) {
  auto state = writer.statement(
      "UPDATE trading_accounts SET connection_status = coalesce(nullif(?2, ''), "
      "connection_status), last_connection_error = ?3, sync_failure_count = ?4, "
      "next_sync_at = ?5, last_sync_at = ?6, last_successful_sync_at = ?7, "
      "broker_server_time_offset = ?8, updated_at = ?9 WHERE id = ?1");
  state.bind_text(1, view(a.id));
  state.bind_text(2, view(a.connection_status));
  state.bind_optional_text(3, view(a.last_connection_error));
  state.bind_int(4, a.sync_failure_count);
  bind_utc_time(state, 5, a.next_sync_at_ms, "next_sync_at_ms");
  bind_utc_time(state, 6, a.last_sync_at_ms, "last_sync_at_ms");
  bind_utc_time(state, 7, a.last_successful_sync_at_ms, "last_successful_sync_at_ms");
  state.bind_int(8, a.broker_server_time_offset_s);
  bind_utc_time(state, 9, now, "the apply time");
  state.run();
  if (!snapshot_valid) return;
  auto snapshot = writer.statement(
      "UPDATE trading_accounts SET currency = ?2, leverage = ?3, balance = ?4, equity = ?5, "
      "margin = ?6, free_margin = ?7, margin_level = ?8, credit = ?9, profit = ?10 WHERE id = ?1");
  snapshot.bind_text(1, view(a.id));
  snapshot.bind_optional_text(2, view(a.currency));
  snapshot.bind_int(3, a.leverage);
  snapshot.bind_real(4, a.balance);
  snapshot.bind_real(5, a.equity);
  snapshot.bind_real(6, a.margin);
  snapshot.bind_real(7, a.free_margin);
  snapshot.bind_real(8, a.margin_level);
  snapshot.bind_real(9, a.credit);
  snapshot.bind_real(10, a.profit);
  snapshot.run();
}

// True when (position_id, segment) has no closed trade yet: the upsert then adds one.
bool is_new_closed_trade(Connection& writer, std::string_view account_id,
                         const mt5b_trade_record& trade) {
  auto select = writer.statement(
      "SELECT status FROM trades WHERE account_id = ?1 AND position_id = ?2 AND segment = ?3");
  select.bind_text(1, account_id);
  select.bind_int(2, trade.position_id);
  select.bind_int(3, trade.segment);
  return !select.step() || select.text(0) != "closed";
}

// Removes the account's open positions whose tickets are not in `positions` (closed since).
void remove_other_positions(Connection& writer, std::string_view account_id,
                            const std::vector<mt5b_position_record>& positions) {
  std::string tickets = "[";
  for (const auto& position : positions) {
    if (tickets.size() > 1) tickets += ',';
    tickets += std::to_string(position.ticket);
  }
  tickets += ']';
  auto remove = writer.statement(
      "DELETE FROM trades WHERE account_id = ?1 AND status = 'open' AND ticket NOT IN "
      "(SELECT value FROM json_each(?2))");
  remove.bind_text(1, account_id);
  remove.bind_text(2, tickets);
  remove.run();
}

}  // namespace

mt5b_sync_apply_result SqliteStorage::sync_apply(const mt5b_sync_apply& apply) {
  const ApplyRecords records = read_and_validate(apply);
  const std::string account_id = copy(records.account.id);
  const int64_t now = now_ms();
  auto result = sdk::make<mt5b_sync_apply_result>();
  try {
    auto writer = pool_->writer();
    Transaction transaction(*writer);
    const LeasedAccount account = check_lease(*writer, account_id, view(apply.lease_owner), now);
    write_account_state(*writer, records.account, apply.snapshot_valid != 0, now);
    const RowOwner owner{account_id, account.user_id, now};
    for (const auto& trade : records.trades) {
      const bool is_new = is_new_closed_trade(*writer, account_id, trade);
      auto upsert = writer->statement(kUpsertTradeSql);
      bind_trade(upsert, trade, owner);
      upsert.run();
      if (is_new) ++result.trades_inserted;
    }
    for (const auto& position : records.positions) {
      auto upsert = writer->statement(kUpsertPositionSql);
      bind_position(upsert, position, owner);
      upsert.run();
    }
    if (apply.replace_positions != 0)
      remove_other_positions(*writer, account_id, records.positions);
    for (size_t i = 0; i < records.deals.size(); ++i) {
      auto insert = writer->statement(kInsertDealSql);
      bind_deal(insert, records.deals[i], records.deal_times_ms[i], owner);
      insert.run();
      result.deals_inserted += writer->changes();
    }
    const std::string_view currency = apply.snapshot_valid != 0 && records.account.currency.size
                                          ? view(records.account.currency)
                                          : std::string_view(account.currency);
    for (const auto& transaction_record : records.transactions) {
      auto insert = writer->statement(kInsertTransactionSql);
      bind_transaction(insert, transaction_record, currency, owner);
      insert.run();
      result.transactions_inserted += writer->changes();
    }
    if (records.has_sync_log) {
      auto upsert = writer->statement(kUpsertSyncLogSql);
      bind_sync_log(upsert, records.sync_log, account_id);
      upsert.run();
    }
    transaction.commit();
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "apply the sync of account '" + account_id + "'");
  }
  return result;
}

}  // namespace mt5b::storage_sqlite
