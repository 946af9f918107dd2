// GDPR erasure (on_user_delete) and the audit log (on_audit_append).
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

namespace mt5b::storage_postgres::testing {
namespace {

class UserData : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    host_.set_now_ms(kSyncNowMs);
  }

  // An account of `user` with one of every synced record.
  std::string account_with_data(const std::string& user) {
    const std::string account = insert_account(user);
    lease_for(store(), account, "host-a", kSyncNowMs);
    SyncBatch batch(account, "host-a");
    batch.position(1);
    batch.trade(2);
    batch.deal(3, kSyncNowMs);
    batch.transaction(4, "deposit", 100, kSyncNowMs);
    batch.log(new_uuid());
    store().sync_apply(batch.apply());
    return account;
  }

  mt5b_audit_record audit(const std::string& subject) {
    auto a = sdk::make<mt5b_audit_record>();
    a.id = s_(new_uuid());
    a.actor = s_("service:key-1");
    a.action = s_("user_data_deleted");
    a.subject = s_(subject);
    a.details_json = s_(R"({"accounts": 2, "requested_by": "support"})");
    return a;
  }

  // Rows of every user-data table that still reference `user` or its accounts.
  int64_t rows_of(const std::string& user) {
    const std::string accounts = "(SELECT id FROM trading_accounts WHERE user_id = '" + user + "')";
    int64_t total =
        db().count("SELECT count(*) FROM trading_accounts WHERE user_id = '" + user + "'") +
        db().count("SELECT count(*) FROM account_integrations WHERE user_id = '" + user + "'");
    for (const char* table : {"trades", "deals", "account_transactions", "sync_logs"}) {
      total += db().count(std::string("SELECT count(*) FROM ") + table + " WHERE account_id IN " +
                          accounts);
    }
    return total;
  }
};

TEST_F(UserData, erasing_a_user_removes_every_row_and_writes_the_audit_record) {
  const std::string user = new_uuid();
  const std::string first = account_with_data(user);
  account_with_data(user);
  ASSERT_GT(rows_of(user), 0);
  mt5b_audit_record record = audit(user);
  EXPECT_EQ(store().user_delete(user, record), 2);
  EXPECT_EQ(rows_of(user), 0);
  for (const char* table : {"trades", "deals", "account_transactions", "sync_logs"}) {
    EXPECT_EQ(db().count(std::string("SELECT count(*) FROM ") + table + " WHERE account_id = '" +
                         first + "'"),
              0)
        << table;
  }
  pqxx::result audit_row = db().exec(
      "SELECT actor, action, subject, details->>'requested_by', "
      "(extract(epoch FROM at) * 1000)::bigint FROM audit_log WHERE id = '" +
      sdk::copy(record.id) + "'");
  ASSERT_EQ(audit_row.size(), 1u);
  EXPECT_EQ(audit_row[0][0].as<std::string>(), "service:key-1");
  EXPECT_EQ(audit_row[0][1].as<std::string>(), "user_data_deleted");
  EXPECT_EQ(audit_row[0][2].as<std::string>(), user);
  EXPECT_EQ(audit_row[0][3].as<std::string>(), "support");
  EXPECT_EQ(audit_row[0][4].as<int64_t>(), kSyncNowMs);
}

TEST_F(UserData, erasing_a_user_leaves_other_users_untouched) {
  const std::string erased = new_uuid();
  const std::string kept = new_uuid();
  account_with_data(erased);
  account_with_data(kept);
  const int64_t kept_rows = rows_of(kept);
  store().user_delete(erased, audit(erased));
  EXPECT_EQ(rows_of(kept), kept_rows);
}

TEST_F(UserData, erasing_a_user_without_accounts_still_records_the_request) {
  const std::string user = new_uuid();
  mt5b_audit_record record = audit(user);
  EXPECT_EQ(store().user_delete(user, record), 0);
  EXPECT_EQ(db().count("SELECT count(*) FROM audit_log WHERE subject = '" + user + "'"), 1);
}

TEST_F(UserData, a_failing_audit_record_keeps_the_users_data) {
  const std::string user = new_uuid();
  account_with_data(user);
  const int64_t before = rows_of(user);
  mt5b_audit_record record = audit(user);
  record.details_json = s_("{not json");
  EXPECT_EQ(status_of([&] { store().user_delete(user, record); }), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(rows_of(user), before);  // one transaction: the deletes rolled back
}

TEST_F(UserData, erasure_needs_a_user_uuid_and_an_audit_record) {
  EXPECT_EQ(status_of([&] { store().user_delete("user-a", audit("user-a")); }),
            MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { store().user_delete(new_uuid(), mt5b_audit_record{}); }),
            MT5B_INVALID_ARGUMENT);
}

TEST_F(UserData, appended_audit_records_keep_their_json_details_and_ids_are_unique) {
  mt5b_audit_record record = audit("key-rotation");
  record.action = s_("keys_rotated");
  store().audit_append(record);
  EXPECT_EQ(db().count("SELECT count(*) FROM audit_log WHERE id = '" + sdk::copy(record.id) +
                       "' AND details @> '{\"accounts\": 2}'"),
            1);
  EXPECT_EQ(status_of([&] { store().audit_append(record); }), MT5B_CONFLICT);
  auto no_id = sdk::make<mt5b_audit_record>();
  no_id.actor = s_("service:key-1");
  no_id.action = s_("keys_rotated");
  store().audit_append(no_id);  // the database gives it an id
  no_id.actor = s_("");
  EXPECT_EQ(status_of([&] { store().audit_append(no_id); }), MT5B_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
