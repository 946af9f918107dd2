// What storage-sqlite does with leases, applies and audits that only SQLite can show: the text
// in the columns, the write lock shared with other processes (busy -> RETRY) under WAL, and
// the rows behind the ABI.
#include "test_support.hpp"

#include <vector>

namespace mt5b::storage_sqlite::testing {
namespace {

constexpr int64_t kNow = 1'762'943'400'000;  // 2025-11-12T10:30:00.000Z

class SyncStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("sync.db");
    host_.set_now_ms(kNow);
    store_ = open_store(host_, path_, /*busy_timeout_ms=*/50);
    store_->migrate();
    insert(*store_, sample_account("acc-1", "user-1", 1001));
  }
  std::vector<std::string> lease(const std::string& owner, const std::string& account_id = {}) {
    auto request = sdk::make<mt5b_lease_request>();
    request.owner = sdk::str(owner);
    request.account_id = sdk::str(account_id);
    request.now_ms = kNow;
    request.lease_ttl_ms = 60'000;
    request.limit = 10;
    std::vector<std::string> ids;
    store_->lease_due(request,
                      [&](const mt5b_account_record& r) { ids.push_back(sdk::copy(r.id)); });
    return ids;
  }
  // An apply for acc-1 by "host-a" carrying the given records.
  mt5b_sync_apply_result apply(std::vector<mt5b_position_record> positions,
                               std::vector<mt5b_trade_record> trades,
                               std::vector<mt5b_deal_record> deals = {},
                               std::vector<mt5b_transaction_record> transactions = {},
                               bool replace_positions = false) {
    AccountRow state = sample_account("acc-1", "user-1", 1001);
    state.last_sync_at_ms = kNow;
    const auto account = state.view();
    auto a = sdk::make<mt5b_sync_apply>();
    a.lease_owner = sdk::str("host-a");
    a.account = &account;
    a.positions = positions.data();
    a.position_count = static_cast<uint32_t>(positions.size());
    a.replace_positions = replace_positions ? 1 : 0;
    a.trades = trades.data();
    a.trade_count = static_cast<uint32_t>(trades.size());
    a.deals = deals.data();
    a.deal_count = static_cast<uint32_t>(deals.size());
    a.transactions = transactions.data();
    a.transaction_count = static_cast<uint32_t>(transactions.size());
    return store_->sync_apply(a);
  }
  static mt5b_position_record position(int64_t ticket, int64_t offset_s = 10'800) {
    auto p = sdk::make<mt5b_position_record>();
    p.ticket = ticket;
    p.symbol = sdk::str("EURUSD.m");
    p.canonical_symbol = sdk::str("EURUSD");
    p.type = sdk::str("buy");
    p.volume = 0.1;
    p.open_time_ms = kNow - 1'800'000;  // 10:00:00Z
    p.open_time_broker_ms = p.open_time_ms + offset_s * 1000;
    p.broker_offset_s = offset_s;
    return p;
  }
  static mt5b_trade_record closed_trade(int64_t position_id) {
    auto t = sdk::make<mt5b_trade_record>();
    t.ticket = position_id;
    t.position_id = position_id;
    t.symbol = sdk::str("EURUSD.m");
    t.type = sdk::str("buy");
    t.volume = 0.1;
    t.open_time_ms = kNow - 1'800'000;
    t.close_time_ms = kNow - 600'000;  // 10:20:00Z
    t.open_time_broker_ms = t.open_time_ms - 18'000'000;
    t.close_time_broker_ms = t.close_time_ms - 18'000'000;
    t.broker_offset_s = -18'000;  // UTC-05:00
    return t;
  }

  TempDir dir_;
  sdk::testing::FakeHost host_;
  std::string path_;
  std::unique_ptr<SqliteStorage> store_;
};

TEST_F(SyncStorage, broker_times_are_stored_as_wall_clock_text_with_the_offset) {
  lease("host-a");
  auto trade_deal = sdk::make<mt5b_trade_deal>();
  trade_deal.ticket = 77;
  trade_deal.symbol = sdk::str("EURUSD.m");
  trade_deal.time_msc = kNow + 10'800'000 + 456;  // 13:30:00.456 on a UTC+3 server
  trade_deal.time = trade_deal.time_msc / 1000;
  auto deal = sdk::make<mt5b_deal_record>();
  deal.deal = &trade_deal;
  deal.time_ms = kNow + 456;
  auto transaction = sdk::make<mt5b_transaction_record>();
  transaction.ticket = 88;
  transaction.kind = sdk::str("deposit");
  transaction.time_ms = kNow;
  transaction.time_broker_ms = kNow + 19'800'000;  // UTC+05:30
  apply({position(10)}, {closed_trade(20)}, {deal}, {transaction});

  RawDatabase raw(path_);
  EXPECT_EQ("2025-11-12T10:00:00.000Z|2025-11-12T13:00:00.000+03:00",
            raw.rows("SELECT open_time, open_time_broker FROM trades WHERE ticket = 10").at(0));
  EXPECT_EQ("2025-11-12T10:20:00.000Z|2025-11-12T05:20:00.000-05:00|closed",
            raw.rows("SELECT close_time, close_time_broker, status FROM trades "
                     "WHERE ticket = 20")
                .at(0));
  EXPECT_EQ("2025-11-12T10:30:00.456Z|2025-11-12T13:30:00.456+03:00|1762954200456",
            raw.rows("SELECT deal_time, deal_time_broker, deal_time_msc FROM deals").at(0));
  EXPECT_EQ("2025-11-12T16:00:00.000+05:30",
            raw.text("SELECT transaction_time_broker FROM account_transactions"));
  EXPECT_EQ("user-1", raw.text("SELECT user_id FROM trades WHERE ticket = 20"));
}

TEST_F(SyncStorage, a_broker_offset_that_is_not_whole_minutes_is_invalid_argument) {
  lease("host-a");
  std::string message;
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { apply({position(10, 7'201)}, {}); }, &message));
  EXPECT_NE(std::string::npos, message.find("whole number of minutes")) << message;
  EXPECT_EQ(0, RawDatabase(path_).integer("SELECT count(*) FROM trades"));
}

TEST_F(SyncStorage, a_closed_trade_takes_over_the_row_of_its_open_position) {
  lease("host-a");
  apply({position(30)}, {});
  const auto result = apply({}, {closed_trade(30)});
  EXPECT_EQ(1, result.trades_inserted) << "an open row turning closed counts as inserted";
  RawDatabase raw(path_);
  EXPECT_EQ("30|30|0|closed", raw.rows("SELECT ticket, position_id, segment, status FROM "
                                       "trades")
                                  .at(0));
  EXPECT_EQ(1, raw.integer("SELECT count(*) FROM trades"));
  EXPECT_EQ(0, apply({position(30)}, {}).trades_inserted);
  EXPECT_EQ("closed", raw.text("SELECT status FROM trades WHERE ticket = 30"))
      << "a late position snapshot must not reopen a closed trade";
}

TEST_F(SyncStorage, the_lease_is_two_columns_of_owner_and_iso_expiry) {
  EXPECT_EQ(std::vector<std::string>{"acc-1"}, lease("host-a"));
  RawDatabase raw(path_);
  EXPECT_EQ("host-a|2025-11-12T10:31:00.000Z",
            raw.rows("SELECT lease_owner, lease_expires_at FROM trading_accounts").at(0));
  store_->lease_release("acc-1", "host-a");
  EXPECT_EQ("NULL|NULL",
            raw.rows("SELECT lease_owner, lease_expires_at FROM trading_accounts").at(0));
}

TEST_F(SyncStorage, reads_go_on_but_writes_retry_while_another_process_holds_the_write_lock) {
  lease("host-a");
  apply({position(10)}, {closed_trade(20)});
  RawDatabase other_process(path_);
  other_process.exec("BEGIN IMMEDIATE");

  // WAL: readers see the last commit without waiting for the writer.
  EXPECT_TRUE(find_account(*store_, "acc-1").has_value());
  auto query = sdk::make<mt5b_record_query>();
  query.account_id = sdk::str("acc-1");
  int trades = 0;
  store_->trade_list(query, [&](const mt5b_trade_record&) { ++trades; });
  EXPECT_EQ(1, trades);
  // Writers wait busy_timeout_ms, then answer RETRY.
  std::string message;
  EXPECT_EQ(MT5B_RETRY, status_of([&] { lease("host-b"); }, &message));
  EXPECT_NE(std::string::npos, message.find("try again")) << message;
  EXPECT_EQ(MT5B_RETRY, status_of([&] { apply({}, {closed_trade(21)}); }));
  auto audit = sdk::make<mt5b_audit_record>();
  audit.action = sdk::str("user_data_deleted");
  int64_t erased = 0;
  EXPECT_EQ(MT5B_RETRY, status_of([&] { erased = store_->user_delete("user-1", audit); }));

  other_process.exec("ROLLBACK");
  EXPECT_EQ(1, apply({}, {closed_trade(21)}).trades_inserted);
}

TEST_F(SyncStorage, user_delete_keeps_its_audit_row_with_json_details) {
  auto audit = sdk::make<mt5b_audit_record>();
  audit.id = sdk::str("11111111-2222-4333-8444-555555555555");
  audit.actor = sdk::str("service:key-1");
  audit.action = sdk::str("user_data_deleted");
  audit.subject = sdk::str("user-1");
  audit.details_json = sdk::str(R"({"accounts": 1})");
  EXPECT_EQ(1, store_->user_delete("user-1", audit));

  RawDatabase raw(path_);
  EXPECT_EQ(0, raw.integer("SELECT count(*) FROM trading_accounts"));
  EXPECT_EQ(0, raw.integer("SELECT count(*) FROM account_integrations"));
  EXPECT_EQ("2025-11-12T10:30:00.000Z|service:key-1|user_data_deleted|user-1|1",
            raw.rows("SELECT at, actor, action, subject, details ->> '$.accounts' "
                     "FROM audit_log")
                .at(0));
}

TEST_F(SyncStorage, audit_details_that_are_not_json_are_invalid_argument) {
  auto audit = sdk::make<mt5b_audit_record>();
  audit.action = sdk::str("key_rotated");
  audit.details_json = sdk::str("{accounts: 1");
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { store_->audit_append(audit); }));
  audit.details_json = sdk::str("");
  store_->audit_append(audit);  // no details at all is fine, and gets an id of its own
  EXPECT_EQ(36, RawDatabase(path_).integer("SELECT length(id) FROM audit_log"));
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
