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
    // Sealed investor passwords are the host's alone, even their owner's.
    const bool readable = std::string(table.name) != "account_integrations";
    EXPECT_EQ(visible("authenticated", a_.user, table.name),
              readable ? owner_count(table.name, own) : 0)
        << table.name;
    EXPECT_EQ(visible("authenticated", a_.user, table.name, theirs), 0) << table.name;
  }
}

TEST_F(RowLevelSecurity, a_user_inserts_no_row_in_any_table_not_even_their_own) {
  // Accounts are linked through the host, which checks the login; synced rows come from the
  // broker. Inserting either directly would forge them.
  for (const UserTable& table : kUserTables) {
    EXPECT_EQ(failure_of("authenticated", a_.user, for_owner(table.insert, b_)), "42501")
        << table.name << ": A inserted a row for B";
    EXPECT_EQ(failure_of("authenticated", a_.user, for_owner(table.insert, a_)), "42501")
        << table.name << ": A inserted their own row";
  }
}

TEST_F(RowLevelSecurity, synced_data_is_read_only_for_its_owner) {
  for (const UserTable& table : kUserTables) {
    const std::string own = for_owner(table.owner_filter, a_);
    EXPECT_EQ(failure_of("authenticated", a_.user,
                         std::string("UPDATE ") + table.name + " SET " + table.update_set +
                             " WHERE " + own),
              "42501")
        << table.name;
    if (std::string(table.name) != "trading_accounts") {
      EXPECT_EQ(failure_of("authenticated", a_.user,
                           std::string("DELETE FROM ") + table.name + " WHERE " + own),
                "42501")
          << table.name;
    }
  }
}

TEST_F(RowLevelSecurity, a_user_cannot_change_the_sync_engines_columns_of_their_account) {
  for (const char* set : {"lease_owner = 'me'", "next_sync_at = now() + interval '1 year'",
                          "connection_status = 'active'", "sync_failure_count = 0", "balance = 1e9",
                          "user_id = user_id", "login = 1"})
    EXPECT_EQ(failure_of("authenticated", a_.user,
                         std::string("UPDATE trading_accounts SET ") + set + " WHERE id = '" +
                             a_.account + "'"),
              "42501")
        << set;
}

TEST_F(RowLevelSecurity, a_user_renames_and_pauses_only_their_own_account) {
  pqxx::result own =
      as("authenticated", a_.user,
         "UPDATE trading_accounts SET account_name = 'Swing', is_active = false WHERE id = '" +
             a_.account + "'");
  EXPECT_EQ(own.affected_rows(), 1u);
  pqxx::result theirs =
      as("authenticated", a_.user,
         "UPDATE trading_accounts SET account_name = 'Mine now' WHERE id = '" + b_.account + "'");
  EXPECT_EQ(theirs.affected_rows(), 0u);
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

TEST_F(RowLevelSecurity, a_user_deletes_only_their_own_account) {
  pqxx::result theirs =
      as("authenticated", a_.user, "DELETE FROM trading_accounts WHERE id = '" + b_.account + "'");
  EXPECT_EQ(theirs.affected_rows(), 0u);
  pqxx::result own =
      as("authenticated", a_.user, "DELETE FROM trading_accounts WHERE id = '" + a_.account + "'");
  EXPECT_EQ(own.affected_rows(), 1u);
}

TEST_F(RowLevelSecurity, no_api_role_can_truncate_reference_or_trigger_any_table) {
  // TRUNCATE ignores row-level security: one user could empty a table for everybody.
  for (const char* role : {"anon", "authenticated", "service_role"}) {
    EXPECT_EQ(
        db().count(std::string("SELECT count(*) FROM pg_tables t, unnest(ARRAY['TRUNCATE', "
                               "'REFERENCES', 'TRIGGER']) p WHERE t.schemaname = 'public' "
                               "AND has_table_privilege('") +
                   role + "', quote_ident(t.schemaname) || '.' || quote_ident(t.tablename), p)"),
        0)
        << role;
  }
  EXPECT_EQ(failure_of("authenticated", a_.user, "TRUNCATE trades"), "42501");
  EXPECT_EQ(failure_of("anon", "", "TRUNCATE sync_logs"), "42501");
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
