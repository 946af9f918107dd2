// How accounts and credentials map to rows: the SQL that reads and writes them, binding an ABI
// record's fields, and reading a row into an owning struct. Rows are copied out so that the
// connection is released before the host's emit callback runs (it may be slow, or call back
// into storage).
#ifndef MT5B_STORAGE_SQLITE_ACCOUNT_ROWS_HPP
#define MT5B_STORAGE_SQLITE_ACCOUNT_ROWS_HPP

#include "sqlite_connection.hpp"

#include <mt5bridge/records.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mt5b::storage_sqlite {

// connection_status when the caller leaves it empty (the column's default).
inline constexpr std::string_view kDefaultConnectionStatus = "active";

using AccountRow = sdk::records::Account;

using CredentialRow = sdk::records::Credential;

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
