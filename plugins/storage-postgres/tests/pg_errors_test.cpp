// What each libpqxx failure becomes for the host: a status and a sentence without secrets.
#include "pg_errors.hpp"

#include <gtest/gtest.h>
#include <pqxx/except>

namespace mt5b::storage_postgres {
namespace {

constexpr const char* kEndpoint = "db.internal:5432";

mt5b_status status_for(const std::exception& error) {
  return to_storage_error(error, kEndpoint, "read the account").status();
}

TEST(PgErrors, an_unreachable_server_is_unavailable_and_named_by_host_and_port) {
  pqxx::broken_connection refused(
      "connection to server at \"db.internal\" (10.0.0.5), port 5432 failed: Connection "
      "refused\n\tIs the server running on that host and accepting TCP/IP connections?\n");
  sdk::Error error = to_storage_error(refused, kEndpoint, "read the account");
  EXPECT_EQ(error.status(), MT5B_UNAVAILABLE);
  EXPECT_STREQ(error.what(),
               "PostgreSQL at db.internal:5432 is unreachable: Connection refused; the request "
               "changed nothing, send it again once the database is back");
  EXPECT_TRUE(loses_connection(refused));
}

TEST(PgErrors, a_server_shutting_down_is_unavailable_and_drops_the_connection) {
  pqxx::sql_error shutdown("FATAL:  terminating connection due to administrator command\n", "q",
                           "57P01");
  EXPECT_EQ(status_for(shutdown), MT5B_UNAVAILABLE);
  EXPECT_TRUE(loses_connection(shutdown));
}

TEST(PgErrors, a_connection_lost_during_commit_says_the_outcome_is_unknown) {
  pqxx::in_doubt_error doubt("lost connection during commit");
  sdk::Error error = to_storage_error(doubt, kEndpoint, "apply the sync");
  EXPECT_EQ(error.status(), MT5B_UNAVAILABLE);
  EXPECT_NE(std::string(error.what()).find("read the data back"), std::string::npos);
  EXPECT_TRUE(loses_connection(doubt));
}

TEST(PgErrors, serialization_failures_deadlocks_and_lock_timeouts_are_retried) {
  EXPECT_EQ(status_for(pqxx::serialization_failure("could not serialize access")), MT5B_RETRY);
  EXPECT_EQ(status_for(pqxx::deadlock_detected("deadlock detected")), MT5B_RETRY);
  EXPECT_EQ(status_for(pqxx::sql_error("ERROR:  could not obtain lock", "q", "55P03")), MT5B_RETRY);
  EXPECT_FALSE(loses_connection(pqxx::deadlock_detected("deadlock detected")));
}

TEST(PgErrors, constraint_violations_map_to_conflict_invalid_argument_or_not_found) {
  // libpqxx 6 leaves sqlstate() empty for some classes: the class alone must be enough.
  EXPECT_EQ(status_for(pqxx::unique_violation("ERROR:  duplicate key value", "q")), MT5B_CONFLICT);
  EXPECT_EQ(status_for(pqxx::check_violation("ERROR:  violates check constraint", "q")),
            MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_for(pqxx::not_null_violation("ERROR:  null value", "q")), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_for(pqxx::foreign_key_violation("ERROR:  violates foreign key", "q")),
            MT5B_NOT_FOUND);
  EXPECT_EQ(status_for(pqxx::data_exception("ERROR:  invalid input syntax", "q", "22P02")),
            MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_for(pqxx::insufficient_privilege("ERROR:  permission denied", "q")),
            MT5B_FAILED);
}

TEST(PgErrors, a_statement_timeout_is_a_timeout) {
  EXPECT_EQ(status_for(pqxx::sql_error("ERROR:  canceling statement due to statement timeout", "q",
                                       "57014")),
            MT5B_TIMEOUT);
}

TEST(PgErrors, an_sdk_error_passes_through_unchanged) {
  sdk::Error own(MT5B_CONFLICT, "the lease is gone");
  sdk::Error error = to_storage_error(own, kEndpoint, "apply the sync");
  EXPECT_EQ(error.status(), MT5B_CONFLICT);
  EXPECT_STREQ(error.what(), "the lease is gone");
}

}  // namespace
}  // namespace mt5b::storage_postgres
