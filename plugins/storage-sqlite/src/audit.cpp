// GDPR erasure and the audit log. The audit log outlives what it records: erasing a user
// deletes every row of theirs but appends the record saying so, in the same transaction.
#include "sqlite_storage.hpp"

#include "storage_errors.hpp"
#include "time_columns.hpp"

#include <rapidjson/document.h>

namespace mt5b::storage_sqlite {
namespace {

using sdk::copy;
using sdk::view;

void validate(const mt5b_audit_record& audit) {
  require_text(audit.action, "the audit record's action (e.g. user_data_deleted)");
  if (audit.details_json.size == 0) return;
  rapidjson::Document details;
  details.Parse(audit.details_json.data, static_cast<size_t>(audit.details_json.size));
  if (details.HasParseError()) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the audit record's details_json is not valid JSON; pass a JSON object "
                     "such as {\"accounts\": 2}, or nothing");
  }
}

// Appends one audit record; an empty id gets a new UUID, at_ms 0 the current time.
void insert_audit(Connection& writer, const mt5b_audit_record& audit, int64_t now) {
  const bool has_id = audit.id.size != 0;
  auto insert =
      writer.statement(has_id ? "INSERT INTO audit_log (at, actor, action, subject, details, id) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                              : "INSERT INTO audit_log (at, actor, action, subject, details) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)");
  bind_utc_time(insert, 1, audit.at_ms != 0 ? audit.at_ms : now, "the audit record's at_ms");
  insert.bind_text(2, view(audit.actor));
  insert.bind_text(3, view(audit.action));
  insert.bind_optional_text(4, view(audit.subject));
  insert.bind_optional_text(5, view(audit.details_json));
  if (has_id) insert.bind_text(6, view(audit.id));
  insert.run();
}

sdk::Error audit_error(const SqliteError& error, const mt5b_audit_record& audit,
                       std::string_view doing) {
  if (error.code() == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return sdk::Error(MT5B_CONFLICT, "an audit record with id '" + copy(audit.id) +
                                         "' already exists; audit records are never replaced, "
                                         "append it with a new id");
  }
  return to_storage_error(error, doing);
}

}  // namespace

int64_t SqliteStorage::user_delete(std::string_view user_id, const mt5b_audit_record& audit) {
  if (user_id.empty()) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the user id is empty; name the user to erase");
  }
  validate(audit);
  int64_t accounts = 0;
  try {
    auto writer = pool_->writer();
    Transaction transaction(*writer);
    // A credential whose account is already gone still belongs to the user.
    auto credentials = writer->statement("DELETE FROM account_integrations WHERE user_id = ?1");
    credentials.bind_text(1, user_id);
    credentials.run();
    // The foreign keys cascade to positions, trades, deals, transactions and sync logs.
    auto remove = writer->statement("DELETE FROM trading_accounts WHERE user_id = ?1");
    remove.bind_text(1, user_id);
    remove.run();
    accounts = writer->changes();
    insert_audit(*writer, audit, now_ms());
    transaction.commit();
  } catch (const SqliteError& error) {
    throw audit_error(error, audit, "erase the user's data");
  }
  return accounts;
}

void SqliteStorage::audit_append(const mt5b_audit_record& audit) {
  validate(audit);
  try {
    auto writer = pool_->writer();
    insert_audit(*writer, audit, now_ms());
  } catch (const SqliteError& error) {
    throw audit_error(error, audit, "append the audit record");
  }
}

}  // namespace mt5b::storage_sqlite
