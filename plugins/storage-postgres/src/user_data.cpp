// GDPR erasure (seed story 7.3) and the audit log.
#include "postgres_storage.hpp"
#include "statement_params.hpp"
#include "statements.hpp"
#include "sync_validation.hpp"

#include <optional>

namespace mt5b::storage_postgres {
namespace {

using sdk::view;

struct AuditParams {
  std::optional<std::string> id;  // none: the database makes one
  std::optional<std::string> at;
  std::string actor, action;
  std::optional<std::string> subject, details;
};

AuditParams audit_params(const mt5b_audit_record& audit, int64_t now_ms) {
  if (audit.struct_size == 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "no audit record was passed; every erasure is recorded, pass one");
  }
  if (audit.actor.size == 0 || audit.action.size == 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the audit record needs an actor (e.g. service:key-1) and an action (e.g. "
                     "user_data_deleted)");
  }
  AuditParams p;
  if (audit.id.size != 0) {
    if (!is_uuid(view(audit.id))) {
      throw sdk::Error(MT5B_INVALID_ARGUMENT,
                       "the audit record's id '" + sdk::copy(audit.id) + "' is not a UUID");
    }
    p.id = sdk::copy(audit.id);
  }
  p.at = time_param(audit.at_ms != 0 ? audit.at_ms : now_ms, "the audit record's at_ms");
  p.actor = sdk::copy(audit.actor);
  p.action = sdk::copy(audit.action);
  if (audit.subject.size != 0) p.subject = sdk::copy(audit.subject);
  if (audit.details_json.size != 0) p.details = sdk::copy(audit.details_json);
  return p;
}

void insert_audit(pqxx::transaction_base& txn, const AuditParams& p) {
  txn.exec_prepared(statement::kAuditInsert, p.id, p.at, p.actor, p.action, p.subject, p.details);
}

}  // namespace

int64_t PostgresStorage::user_delete(std::string_view user_id, const mt5b_audit_record& audit) {
  if (!is_uuid(user_id)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the user id '" + std::string(user_id) +
                                                "' is not a UUID; user ids are UUIDs");
  }
  const AuditParams record = audit_params(audit, now_ms());
  const std::string user(user_id);
  int64_t accounts = 0;
  write("delete the user's data", [&](pqxx::work& txn) {
    // A credential row names its user too: one left behind an account of someone else's would
    // still be this user's data.
    txn.exec_prepared(statement::kUserDeleteIntegrations, user);
    // ON DELETE CASCADE takes every trade, deal, transaction and sync log with the accounts.
    accounts = txn.exec_prepared1(statement::kUserDeleteAccounts, user)[0].as<int64_t>();
    insert_audit(txn, record);
  });
  return accounts;
}

void PostgresStorage::audit_append(const mt5b_audit_record& audit) {
  const AuditParams record = audit_params(audit, now_ms());
  write("append the audit record", [&](pqxx::work& txn) { insert_audit(txn, record); });
}

}  // namespace mt5b::storage_postgres
