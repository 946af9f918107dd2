// Row-level security (seed story 4.4), checked the way Supabase's API runs queries: as the role
// `authenticated` with the user's JWT claims in request.jwt.claims (SET LOCAL ROLE), as `anon`,
// and as `service_role`.
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

#include <optional>

namespace mt5b::storage_postgres::testing {
namespace {

struct UserTable {
  const char* name;
  // Selects the rows of the user `$user` owning the account `$account`.
  const char* owner_filter;
  // Inserts one row for `$user` / `$account`.
  const char* insert;
  // Changes a column of the rows matched by owner_filter.
  const char* update_set;
};

// Every user-data table.
const UserTable kUserTables[] = {
    {"trading_accounts", "user_id = '$user'",
     "INSERT INTO trading_accounts (user_id, login, server) VALUES ('$user', 424242, 'Evil')",
     "server = 'hacked'"},
    {"account_integrations", "user_id = '$user'",
     // One credential per account: the own-row insert replaces the existing one.
     "DELETE FROM account_integrations WHERE account_id = '$account'; "
     "INSERT INTO account_integrations (account_id, user_id, key_id, encrypted_password) VALUES "
     "('$account', '$user', 'k', '\\x00')",
     "key_id = 'hacked'"},
    {"trades", "account_id = '$account'",
     "INSERT INTO trades (account_id, ticket, position_id, symbol, type, volume) VALUES "
     "('$account', 424242, 424242, 'X', 'buy', 1)",
     "volume = 99"},
    {"deals", "account_id = '$account'",
     "INSERT INTO deals (account_id, ticket, position_id, symbol, type, entry, volume, price, "
     "deal_time) VALUES ('$account', 424242, 1, 'X', 0, 0, 1, 1, now())",
     "price = 99"},
    {"account_transactions", "account_id = '$account'",
     "INSERT INTO account_transactions (account_id, ticket, deal_type, type, amount, "
     "transaction_time) VALUES ('$account', 424242, 2, 'deposit', 1, now())",
     "amount = 99"},
    {"sync_logs", "account_id = '$account'",
     "INSERT INTO sync_logs (account_id, sync_type, started_at, status) VALUES "
     "('$account', 'manual', now(), 'processing')",
     "status = 'hacked'"},
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class RowLevelSecurity : public PostgresTest {
 protected:
  struct Owner {
    std::string user;
    std::string account;
  };

  void SetUp() override {
    PostgresTest::SetUp();
    host_.set_now_ms(kSyncNowMs);
    a_ = owner_with_data();
    b_ = owner_with_data();
  }

  Owner owner_with_data() {
    Owner owner{new_uuid(), ""};
    owner.account = insert_account(owner.user);
    lease_for(store(), owner.account, "host-a", kSyncNowMs);
    SyncBatch batch(owner.account, "host-a");
    batch.position(1);
    batch.trade(2);
    batch.deal(3, kSyncNowMs);
    batch.transaction(4, "deposit", 100, kSyncNowMs);
    batch.log(new_uuid());
    store().sync_apply(batch.apply());
    return owner;
  }

  static std::string for_owner(const char* sql, const Owner& owner) {
    return replace_all(replace_all(sql, "$user", owner.user), "$account", owner.account);
  }

  // Runs `sql` as `role` with `user` as the JWT subject (none when empty), in a transaction that
  // is rolled back, as PostgREST does per request.
  pqxx::result as(const std::string& role, const std::string& user, const std::string& sql) {
    pqxx::connection connection(db().url());
    pqxx::work txn(connection);
    txn.exec("SET LOCAL ROLE " + role);
    if (!user.empty()) {
      txn.exec_params("SELECT set_config('request.jwt.claims', $1, true)",
                      R"({"sub":")" + user + R"(","role":")" + role + "\"}");
    }
    pqxx::result result = txn.exec(sql);
    txn.abort();
    return result;
  }

  // Rows `role`/`user` can see in `table` matching `filter`; 0 also when the role may not read
  // the table at all.
  int64_t visible(const std::string& role, const std::string& user, const std::string& table,
                  const std::string& filter = "true") {
    try {
      return as(role, user, "SELECT count(*) FROM " + table + " WHERE " + filter)[0][0]
          .as<int64_t>();
    } catch (const pqxx::insufficient_privilege&) {
      return 0;
    }
  }

  // The SQLSTATE a statement fails with, or nullopt when it succeeds.
  std::optional<std::string> failure_of(const std::string& role, const std::string& user,
                                        const std::string& sql) {
    try {
      as(role, user, sql);
      return std::nullopt;
    } catch (const pqxx::insufficient_privilege&) {
      return "42501";  // libpqxx 6 leaves sqlstate() empty for this class
    } catch (const pqxx::sql_error& error) {
      return error.sqlstate();
    }
  }

  int64_t owner_count(const std::string& table, const std::string& filter) {
    return db().count("SELECT count(*) FROM " + table + " WHERE " + filter);
  }

  Owner a_, b_;
};

TEST_F(RowLevelSecurity, a_user_reads_only_their_own_rows_in_every_user_table) {
  for (const UserTable& table : kUserTables) {
    const std::string own = for_owner(table.owner_filter, a_);
    const std::string theirs = for_owner(table.owner_filter, b_);
    ASSERT_GT(owner_count(table.name, theirs), 0) << table.name;
    EXPECT_EQ(visible("authenticated", a_.user, table.name), owner_count(table.name, own))
        << table.name;
    EXPECT_EQ(visible("authenticated", a_.user, table.name, theirs), 0) << table.name;
  }
}

TEST_F(RowLevelSecurity, a_user_cannot_insert_rows_for_another_user_but_can_for_themselves) {
  for (const UserTable& table : kUserTables) {
    EXPECT_EQ(failure_of("authenticated", a_.user, for_owner(table.insert, b_)), "42501")
        << table.name << ": A inserted a row for B";
    EXPECT_EQ(failure_of("authenticated", a_.user, for_owner(table.insert, a_)), std::nullopt)
        << table.name << ": A could not insert their own row";
  }
  // A credential naming A as its user but sitting on B's account is B's data all the same.
  Owner mixed{a_.user, b_.account};
  EXPECT_EQ(failure_of("authenticated", a_.user, for_owner(kUserTables[1].insert, mixed)), "42501");
}

TEST_F(RowLevelSecurity, a_user_cannot_update_another_users_rows) {
  for (const UserTable& table : kUserTables) {
    const std::string theirs = for_owner(table.owner_filter, b_);
    pqxx::result changed =
        as("authenticated", a_.user,
           std::string("UPDATE ") + table.name + " SET " + table.update_set + " WHERE " + theirs);
    EXPECT_EQ(changed.affected_rows(), 0u) << table.name;
    pqxx::result own = as("authenticated", a_.user,
                          std::string("UPDATE ") + table.name + " SET " + table.update_set +
                              " WHERE " + for_owner(table.owner_filter, a_));
    EXPECT_GT(own.affected_rows(), 0u) << table.name << ": A could not update their own rows";
  }
}

TEST_F(RowLevelSecurity, a_user_cannot_hand_their_rows_to_another_user) {
  EXPECT_EQ(failure_of("authenticated", a_.user,
                       "UPDATE trading_accounts SET user_id = '" + b_.user + "' WHERE id = '" +
                           a_.account + "'"),
            "42501");
  EXPECT_EQ(failure_of("authenticated", a_.user,
                       "UPDATE trades SET account_id = '" + b_.account + "' WHERE account_id = '" +
                           a_.account + "'"),
            "42501");
}

TEST_F(RowLevelSecurity, a_user_cannot_delete_another_users_rows) {
  // Children first, so a cascade from the account cannot hide what the policy did.
  for (auto table = std::rbegin(kUserTables); table != std::rend(kUserTables); ++table) {
    const std::string theirs = for_owner(table->owner_filter, b_);
    pqxx::result deleted = as("authenticated", a_.user,
                              std::string("DELETE FROM ") + table->name + " WHERE " + theirs);
    EXPECT_EQ(deleted.affected_rows(), 0u) << table->name;
    EXPECT_GT(owner_count(table->name, theirs), 0) << table->name;
  }
  pqxx::result own =
      as("authenticated", a_.user, "DELETE FROM trading_accounts WHERE id = '" + a_.account + "'");
  EXPECT_EQ(own.affected_rows(), 1u);
}

TEST_F(RowLevelSecurity, anon_and_a_user_without_claims_see_nothing) {
  for (const UserTable& table : kUserTables) {
    EXPECT_EQ(visible("anon", "", table.name), 0) << table.name;
    EXPECT_EQ(visible("anon", a_.user, table.name), 0) << table.name;
    EXPECT_EQ(visible("authenticated", "", table.name), 0) << table.name;
    EXPECT_NE(failure_of("anon", "", for_owner(table.insert, a_)), std::nullopt) << table.name;
  }
}

TEST_F(RowLevelSecurity, the_service_role_sees_every_row) {
  for (const UserTable& table : kUserTables) {
    EXPECT_EQ(visible("service_role", "", table.name), owner_count(table.name, "true"))
        << table.name;
  }
}

TEST_F(RowLevelSecurity, only_the_service_reads_the_audit_log) {
  auto audit = sdk::make<mt5b_audit_record>();
  audit.actor = s_("service:key-1");
  audit.action = s_("keys_rotated");
  audit.subject = s_(a_.user);
  store().audit_append(audit);
  EXPECT_EQ(visible("authenticated", a_.user, "audit_log"), 0);
  EXPECT_EQ(visible("anon", "", "audit_log"), 0);
  EXPECT_NE(failure_of("authenticated", a_.user,
                       "INSERT INTO audit_log (actor, action) VALUES ('user', 'forged')"),
            std::nullopt);
  EXPECT_GE(visible("service_role", "", "audit_log"), 1);
}

TEST_F(RowLevelSecurity, the_hosts_own_role_is_not_restricted) {
  // The plugin connects as the tables' owner: it reads both users' accounts.
  EXPECT_EQ(get_account(store(), a_.account).user_id, a_.user);
  EXPECT_EQ(get_account(store(), b_.account).user_id, b_.user);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
