#include "account_rows.hpp"

#include "time_columns.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::storage_sqlite {
namespace {

using sdk::str;
using sdk::view;

}  // namespace

const char* const kAccountColumns =
    "id, user_id, login, server, broker_name, broker_instance, is_active, connection_status, "
    "last_connection_error, sync_failure_count, broker_server_time_offset, currency, leverage, "
    "balance, equity, margin, free_margin, margin_level, credit, profit, created_at, updated_at, "
    "last_sync_at, last_successful_sync_at, next_sync_at";

const char* const kInsertAccountSql =
    "INSERT INTO trading_accounts (id, user_id, login, server, broker_name, broker_instance, "
    "is_active, connection_status, last_connection_error, sync_failure_count, "
    "broker_server_time_offset, currency, leverage, balance, equity, margin, free_margin, "
    "margin_level, credit, profit, created_at, updated_at, last_sync_at, "
    "last_successful_sync_at, next_sync_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";

const char* const kCredentialColumns =
    "account_id, user_id, key_id, encrypted_password, created_at";

const char* const kInsertCredentialSql =
    "INSERT INTO account_integrations (account_id, user_id, key_id, encrypted_password, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5)";

AccountRow read_account_row(const Statement& row) {
  AccountRow a;
  a.id = row.text(0);
  a.user_id = row.text(1);
  a.login = row.integer(2);
  a.server = row.text(3);
  a.broker_name = row.text(4);
  a.broker_instance = row.text(5);
  a.is_active = row.integer(6) != 0;
  a.connection_status = row.text(7);
  a.last_connection_error = row.text(8);
  a.sync_failure_count = row.integer(9);
  a.broker_server_time_offset_s = row.integer(10);
  a.currency = row.text(11);
  a.leverage = row.integer(12);
  a.balance = row.real(13);
  a.equity = row.real(14);
  a.margin = row.real(15);
  a.free_margin = row.real(16);
  a.margin_level = row.real(17);
  a.credit = row.real(18);
  a.profit = row.real(19);
  const std::string owner = "account '" + a.id + "'";
  a.created_at_ms = read_utc_time(row, 20, "created_at", owner);
  a.updated_at_ms = read_utc_time(row, 21, "updated_at", owner);
  a.last_sync_at_ms = read_utc_time(row, 22, "last_sync_at", owner);
  a.last_successful_sync_at_ms = read_utc_time(row, 23, "last_successful_sync_at", owner);
  a.next_sync_at_ms = read_utc_time(row, 24, "next_sync_at", owner);
  return a;
}

void bind_account(Statement& insert, const mt5b_account_record& a, int64_t now_ms) {
  std::string_view status = view(a.connection_status);
  insert.bind_text(1, view(a.id));
  insert.bind_text(2, view(a.user_id));
  insert.bind_int(3, a.login);
  insert.bind_text(4, view(a.server));
  insert.bind_optional_text(5, view(a.broker_name));
  insert.bind_optional_text(6, view(a.broker_instance));
  insert.bind_int(7, a.is_active != 0 ? 1 : 0);
  insert.bind_text(8, status.empty() ? kDefaultConnectionStatus : status);
  insert.bind_optional_text(9, view(a.last_connection_error));
  insert.bind_int(10, a.sync_failure_count);
  insert.bind_int(11, a.broker_server_time_offset_s);
  insert.bind_optional_text(12, view(a.currency));
  insert.bind_int(13, a.leverage);
  insert.bind_real(14, a.balance);
  insert.bind_real(15, a.equity);
  insert.bind_real(16, a.margin);
  insert.bind_real(17, a.free_margin);
  insert.bind_real(18, a.margin_level);
  insert.bind_real(19, a.credit);
  insert.bind_real(20, a.profit);
  bind_utc_time(insert, 21, a.created_at_ms != 0 ? a.created_at_ms : now_ms, "created_at_ms");
  bind_utc_time(insert, 22, a.updated_at_ms != 0 ? a.updated_at_ms : now_ms, "updated_at_ms");
  bind_utc_time(insert, 23, a.last_sync_at_ms, "last_sync_at_ms");
  bind_utc_time(insert, 24, a.last_successful_sync_at_ms, "last_successful_sync_at_ms");
  bind_utc_time(insert, 25, a.next_sync_at_ms, "next_sync_at_ms");
}

CredentialRow read_credential_row(const Statement& row) {
  CredentialRow c;
  c.account_id = row.text(0);
  c.user_id = row.text(1);
  c.key_id = row.text(2);
  c.ciphertext = row.blob(3);
  c.created_at_ms =
      read_utc_time(row, 4, "created_at", "the credential of account '" + c.account_id + "'");
  return c;
}

void bind_credential(Statement& insert, const mt5b_credential_record& credential,
                     std::string_view account_id, std::string_view user_id, int64_t created_at_ms) {
  insert.bind_text(1, account_id);
  insert.bind_text(2, user_id);
  insert.bind_text(3, view(credential.key_id));
  insert.bind_blob(4, view(credential.ciphertext));
  bind_utc_time(insert, 5, created_at_ms, "credential created_at_ms");
}

}  // namespace mt5b::storage_sqlite
