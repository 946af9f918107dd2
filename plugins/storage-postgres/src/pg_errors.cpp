#include "pg_errors.hpp"

#include <pqxx/except>

#include <string>

namespace mt5b::storage_postgres {
namespace {

constexpr size_t kMaxReasonLength = 300;

// The useful part of a libpq/libpqxx message: its first line, without the severity prefix or
// libpq's "connection to server at ... failed: " preamble (which repeats the endpoint).
std::string reason_of(std::string_view message) {
  std::string_view line = message.substr(0, message.find('\n'));
  for (std::string_view prefix : {"ERROR:", "FATAL:", "PANIC:"}) {
    if (line.starts_with(prefix)) line.remove_prefix(prefix.size());
  }
  const size_t failed = line.rfind("failed: ");
  if (failed != std::string_view::npos) line.remove_prefix(failed + 8);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) return "no reason given";
  std::string out(line.substr(0, kMaxReasonLength));
  if (line.size() > kMaxReasonLength) out += "...";
  return out;
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

// SQLSTATEs after which the server has closed (or is closing) the session.
bool is_connection_state(const std::string& state) {
  return starts_with(state, "08") || state == "57P01" || state == "57P02" || state == "57P03";
}

// libpqxx 6 throws a class per SQLSTATE but does not always fill in sqlstate() (e.g. for
// insufficient_privilege): recover it from the class then.
std::string sqlstate_of(const pqxx::sql_error& error) {
  if (!error.sqlstate().empty()) return error.sqlstate();
  const pqxx::sql_error* e = &error;
  if (dynamic_cast<const pqxx::unique_violation*>(e)) return "23505";
  if (dynamic_cast<const pqxx::check_violation*>(e)) return "23514";
  if (dynamic_cast<const pqxx::not_null_violation*>(e)) return "23502";
  if (dynamic_cast<const pqxx::foreign_key_violation*>(e)) return "23503";
  if (dynamic_cast<const pqxx::restrict_violation*>(e)) return "23001";
  if (dynamic_cast<const pqxx::data_exception*>(e)) return "22000";
  if (dynamic_cast<const pqxx::insufficient_privilege*>(e)) return "42501";
  if (dynamic_cast<const pqxx::undefined_table*>(e)) return "42P01";
  if (dynamic_cast<const pqxx::undefined_column*>(e)) return "42703";
  if (dynamic_cast<const pqxx::insufficient_resources*>(e)) return "53000";
  return "";
}

sdk::Error from_sql_state(const pqxx::sql_error& error, std::string_view endpoint,
                          std::string_view doing) {
  const std::string state = sqlstate_of(error);
  const std::string reason = reason_of(error.what());
  const std::string could_not = "storage-postgres could not " + std::string(doing) + ": ";
  if (is_connection_state(state) || starts_with(state, "53")) {
    return unreachable_error(endpoint, reason);
  }
  if (state == "40001" || state == "40P01" || state == "55P03") {
    return sdk::Error(MT5B_RETRY, could_not + reason +
                                      " (another transaction held the same rows); nothing was "
                                      "changed, try again");
  }
  if (state == "57014") {
    return sdk::Error(MT5B_TIMEOUT, could_not +
                                        "the statement ran longer than statement_timeout_ms and "
                                        "was cancelled; nothing was changed, try again or raise "
                                        "statement_timeout_ms");
  }
  if (state == "23505") {
    return sdk::Error(MT5B_CONFLICT, could_not + reason + "; a row with that key already exists");
  }
  if (state == "23503") {
    return sdk::Error(MT5B_NOT_FOUND, could_not + reason +
                                          "; the account it belongs to does not exist (any "
                                          "more), create the account first");
  }
  if (state == "23514" || state == "23502" || starts_with(state, "22")) {
    return sdk::Error(MT5B_INVALID_ARGUMENT,
                      could_not + reason + "; correct the value the message names");
  }
  if (state == "21000") {
    return sdk::Error(MT5B_INVALID_ARGUMENT,
                      could_not + reason + "; the request names the same row twice, send it once");
  }
  if (state == "42P01" || state == "42703" || state == "3F000") {
    return sdk::Error(MT5B_FAILED, could_not + reason +
                                       "; the schema is missing or older than this plugin, run "
                                       "`mt5bridge migrate` or set apply_migrations: true");
  }
  if (state == "42501") {
    return sdk::Error(MT5B_FAILED, could_not + reason +
                                       "; grant the configured database user the privileges on "
                                       "mt5bridge's tables");
  }
  return sdk::Error(MT5B_FAILED,
                    could_not + reason + " (SQLSTATE " + state + "); see the PostgreSQL log");
}

}  // namespace

sdk::Error unreachable_error(std::string_view endpoint, std::string_view reason) {
  return sdk::Error(MT5B_UNAVAILABLE, "PostgreSQL at " + std::string(endpoint) +
                                          " is unreachable: " + reason_of(reason) +
                                          "; the request changed nothing, send it again once "
                                          "the database is back");
}

sdk::Error to_storage_error(const std::exception& error, std::string_view endpoint,
                            std::string_view doing) {
  if (const auto* own = dynamic_cast<const sdk::Error*>(&error)) return *own;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return sdk::Error(MT5B_UNAVAILABLE,
                      "the connection to PostgreSQL at " + std::string(endpoint) +
                          " broke while committing, so whether storage-postgres could " +
                          std::string(doing) +
                          " is unknown; read the data back before repeating the request");
  }
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&error) != nullptr) {
    return sdk::Error(MT5B_UNAVAILABLE, "PostgreSQL at " + std::string(endpoint) +
                                            " cannot tell whether " + "storage-postgres could " +
                                            std::string(doing) +
                                            "; read the data back before repeating the request");
  }
  // Serialization failures and deadlocks: the server rolled the transaction back.
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error) != nullptr) {
    return sdk::Error(MT5B_RETRY, "storage-postgres could not " + std::string(doing) + ": " +
                                      reason_of(error.what()) +
                                      " (another transaction held the same rows); nothing was "
                                      "changed, try again");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return unreachable_error(endpoint, error.what());
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    return from_sql_state(*sql, endpoint, doing);
  }
  return sdk::Error(MT5B_FAILED, "storage-postgres could not " + std::string(doing) + ": " +
                                     reason_of(error.what()));
}

bool loses_connection(const std::exception& error) {
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) return true;
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&error) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    return is_connection_state(sql->sqlstate());
  }
  return false;
}

}  // namespace mt5b::storage_postgres
