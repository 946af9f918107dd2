// Key rotation: every sealed credential is read, re-sealed by the host under the new key, and
// written back one account at a time.
#include "sqlite_storage.hpp"

#include "account_rows.hpp"
#include "storage_errors.hpp"
#include "time_columns.hpp"

#include <vector>

namespace mt5b::storage_sqlite {

using sdk::view;

void SqliteStorage::credential_list(const sdk::CredentialSink& emit) {
  static const std::string sql = std::string("SELECT ") + kCredentialColumns +
                                 " FROM account_integrations ORDER BY account_id";
  std::vector<CredentialRow> rows;
  try {
    auto reader = pool_->reader();
    auto select = reader->statement(sql);
    while (select.step()) rows.push_back(read_credential_row(select));
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "list the credentials");
  }
  for (const CredentialRow& row : rows) emit(row.view());
}

void SqliteStorage::credential_update(const mt5b_credential_record& credential) {
  require_text(credential.account_id, "the credential's account_id");
  require_text(credential.key_id, "the credential's key_id (which key sealed it)");
  require_text(credential.ciphertext, "the credential's ciphertext");
  int64_t updated = 0;
  try {
    auto writer = pool_->writer();
    auto update = writer->statement(
        "UPDATE account_integrations SET key_id = ?2, encrypted_password = ?3, "
        "created_at = coalesce(?4, created_at) WHERE account_id = ?1");
    update.bind_text(1, view(credential.account_id));
    update.bind_text(2, view(credential.key_id));
    update.bind_blob(3, view(credential.ciphertext));
    bind_utc_time(update, 4, credential.created_at_ms, "the credential's created_at_ms");
    update.run();
    updated = writer->changes();
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "replace the credential");
  }
  if (updated == 0) {
    throw sdk::Error(MT5B_NOT_FOUND, "no credential is stored for account '" +
                                         sdk::copy(credential.account_id) +
                                         "'; the account does not exist or was deleted");
  }
}

}  // namespace mt5b::storage_sqlite
