// How accounts and credentials map to rows: the SQL that reads and writes them, binding an ABI
// record's fields, and reading a row into an owning struct. Rows are copied out so that the
// connection is released before the host's emit callback runs (it may be slow, or call back
// into storage).
#ifndef MT5B_STORAGE_SQLITE_ACCOUNT_ROWS_HPP
#define MT5B_STORAGE_SQLITE_ACCOUNT_ROWS_HPP

#include "sqlite_connection.hpp"

#include <mt5bridge/abi.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mt5b::storage_sqlite {

// connection_status when the caller leaves it empty (the column's default).
inline constexpr std::string_view kDefaultConnectionStatus = "active";

// An account as read from trading_accounts, owning its text.
struct AccountRow {
  std::string id;
  std::string user_id;
  int64_t login = 0;
  std::string server;
  std::string broker_name;
  std::string broker_instance;
  bool is_active = true;
  std::string connection_status;
  std::string last_connection_error;
  int64_t sync_failure_count = 0;
  int64_t broker_server_time_offset_s = 0;
  std::string currency;
  int64_t leverage = 0;
  double balance = 0;
  double equity = 0;
  double margin = 0;
  double free_margin = 0;
  double margin_level = 0;
  double credit = 0;
  double profit = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t last_sync_at_ms = 0;
  int64_t last_successful_sync_at_ms = 0;
  int64_t next_sync_at_ms = 0;  // schema v2; 0 (NULL) = due now

  // The ABI view of this row; valid while the row lives unchanged.
  mt5b_account_record record() const noexcept;
};

// A credential as read from account_integrations, owning its bytes.
struct CredentialRow {
  std::string account_id;
  std::string user_id;
  std::string key_id;
  std::string ciphertext;
  int64_t created_at_ms = 0;

  mt5b_credential_record record() const noexcept;
};

// SELECT <kAccountColumns> FROM trading_accounts ... yields what read_account_row reads.
extern const char* const kAccountColumns;
AccountRow read_account_row(const Statement& row);

extern const char* const kInsertAccountSql;
// Binds every field of kInsertAccountSql. Times of 0 bind NULL ("never"), except created_at
// and updated_at, which fall back to `now_ms`. Throws mt5b::sdk::Error(INVALID_ARGUMENT) for a
// time outside the years 0000-9999.
void bind_account(Statement& insert, const mt5b_account_record& account, int64_t now_ms);

extern const char* const kCredentialColumns;
CredentialRow read_credential_row(const Statement& row);

extern const char* const kInsertCredentialSql;
void bind_credential(Statement& insert, const mt5b_credential_record& credential,
                     std::string_view account_id, std::string_view user_id, int64_t created_at_ms);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_ACCOUNT_ROWS_HPP
