// Migrations under Supabase's own roles and default privileges (tests/pg/supabase_shim.sql):
// no table readable by anon at any step, `migrate` as the project's `postgres` login and as a
// dedicated login role with the documented grants.
#include "migrator.hpp"
#include "pg_test_support.hpp"
#include "record_copies.hpp"

#include <random>

namespace mt5b::storage_postgres::testing {
namespace {

std::string as_user(const std::string& url, const std::string& user) {
  const std::string from = "user=mt5bridge";
  std::string out = url;
  out.replace(out.find(from), from.size(), "user=" + user);
  return out;
}

class SupabaseRoles : public ::testing::Test {
 protected:
  std::unique_ptr<PostgresStorage> store_for(const std::string& url) {
    return std::make_unique<PostgresStorage>(host_.host(), sdk::Config(store_config(url)));
  }
  // Tables in public that `role` may read.
  static int64_t readable_by(const Database& db, const std::string& role) {
    return db.count(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
        "has_table_privilege('" +
        role + "', quote_ident(schemaname) || '.' || quote_ident(tablename), 'SELECT')");
  }
  // The reason a migration failed, or "<migrated>".
  static std::string migration_failure(PostgresStorage& store) {
    try {
      store.migrate();
      return "<migrated>";
    } catch (const std::exception& e) {
      return e.what();
    }
  }

  sdk::testing::FakeHost host_;
};

TEST_F(SupabaseRoles, anon_reads_no_table_at_any_migration_step_up_or_down) {
  Database db("anon_each_step");
  std::unique_ptr<PostgresStorage> store = store_for(db.url());
  for (int64_t v = 1; v <= latest_migration_version(); ++v) {
    store->migrate_to(v);
    EXPECT_EQ(readable_by(db, "anon"), 0) << "at version " << v;
    // Before version 3 grants users their rows, no API role but the service reads anything.
    if (v < 3) {
      EXPECT_EQ(readable_by(db, "authenticated"), 0) << "at version " << v;
    }
  }
  for (int64_t v = latest_migration_version() - 1; v >= 0; --v) {
    store->migrate_to(v);
    EXPECT_EQ(readable_by(db, "anon"), 0) << "down at version " << v;
  }
}

TEST_F(SupabaseRoles, migrate_works_as_the_projects_postgres_login) {
  Database db("as_postgres");
  std::unique_ptr<PostgresStorage> store = store_for(as_user(db.url(), "postgres"));
  ASSERT_EQ(migration_failure(*store), "<migrated>");
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = "
                     "'trades' AND tableowner = 'postgres'"),
            1);
  // Supabase's default privileges for postgres gave anon everything; the migrations took it.
  EXPECT_EQ(readable_by(db, "anon"), 0);
  EXPECT_GT(db.count("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"), 0);
  EXPECT_EQ(store->account_count(sdk::make<mt5b_account_query>()), 0);
}

TEST_F(SupabaseRoles, a_dedicated_login_role_needs_usage_on_auth_and_is_told_so) {
  Database db("as_dedicated");
  const std::string role = "mt5b_migrator_" + std::to_string(std::random_device{}() % 1000000);
  db.exec("CREATE ROLE " + role + " LOGIN; GRANT USAGE, CREATE ON SCHEMA public TO " + role);
  std::unique_ptr<PostgresStorage> store = store_for(as_user(db.url(), role));
  const std::string refusal = migration_failure(*store);
  EXPECT_NE(refusal.find("has no USAGE on schema auth"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("GRANT USAGE ON SCHEMA auth TO " + role), std::string::npos) << refusal;
  // The documented grants (plugins/storage-postgres/README.md) are enough.
  db.exec("GRANT USAGE ON SCHEMA auth TO " + role);
  EXPECT_EQ(migration_failure(*store), "<migrated>");
  EXPECT_EQ(readable_by(db, "anon"), 0);
  EXPECT_GT(db.count("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"), 0);
  store.reset();
  db.exec("REASSIGN OWNED BY " + role + " TO CURRENT_USER; DROP OWNED BY " + role + "; DROP ROLE " +
          role);
}

TEST_F(SupabaseRoles, service_role_cannot_log_in) {
  Database db("service_login");
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_roles WHERE rolname = 'service_role' AND "
                     "rolcanlogin"),
            0);
  std::unique_ptr<PostgresStorage> store = store_for(as_user(db.url(), "service_role"));
  EXPECT_NE(migration_failure(*store), "<migrated>");
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
