// One instance of the plugin under test over one store, created with a FakeHost and driven
// only through the C ABI. Every call returns a CallResult (the status plus, when it failed,
// the plugin's on_last_error text) and copies whatever the plugin emitted.
#ifndef MT5B_CONFORMANCE_STORE_INSTANCE_HPP
#define MT5B_CONFORMANCE_STORE_INSTANCE_HPP

#include "plugin_library.hpp"
#include "records.hpp"

#include <mt5bridge/testing.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mt5b::conformance {

struct CallResult {
  mt5b_status status = MT5B_OK;
  std::string message;  // on_last_error when status is not OK
  bool ok() const noexcept { return status == MT5B_OK; }
};
std::ostream& operator<<(std::ostream& out, const CallResult& result);

class StoreInstance {
 public:
  // Creates an instance from `config_json`; the FakeHost's clock starts at `now_ms`.
  StoreInstance(const PluginLibrary& plugin, const std::string& config_json, int64_t now_ms);
  StoreInstance(const StoreInstance&) = delete;
  StoreInstance& operator=(const StoreInstance&) = delete;
  ~StoreInstance();

  const CallResult& created() const noexcept { return created_; }
  sdk::testing::FakeHost& host() noexcept { return host_; }

  CallResult migrate();
  CallResult insert_account(const Account& account, const Credential& credential);
  CallResult get_account(const std::string& id, std::optional<Account>& out);
  CallResult list_accounts(const mt5b_account_query& query, std::vector<Account>& out);
  CallResult count_accounts(const mt5b_account_query& query, int64_t& out);
  CallResult delete_account(const std::string& id);
  CallResult get_credential(const std::string& account_id, std::optional<Credential>& out);

  CallResult lease_due(const mt5b_lease_request& request, std::vector<Account>& out);
  CallResult lease_release(const std::string& account_id, const std::string& owner);
  CallResult sync_apply(const mt5b_sync_apply& apply, mt5b_sync_apply_result& out);
  CallResult put_sync_log(const SyncLog& log);
  CallResult get_sync_log(const std::string& id, std::optional<SyncLog>& out);
  CallResult list_sync_logs(const mt5b_record_query& query, std::vector<SyncLog>& out);
  CallResult list_positions(const mt5b_record_query& query, std::vector<Position>& out);
  CallResult list_trades(const mt5b_record_query& query, std::vector<Trade>& out);
  CallResult list_deals(const mt5b_record_query& query, std::vector<Deal>& out);
  CallResult list_transactions(const mt5b_record_query& query, std::vector<Transaction>& out);
  CallResult list_credentials(std::vector<Credential>& out);
  CallResult update_credential(const Credential& credential);
  CallResult delete_user(const std::string& user_id, const Audit& audit, int64_t& out_accounts);
  CallResult append_audit(const Audit& audit);
  CallResult migrate_to(int64_t target_version, int64_t& out_version);

 private:
  CallResult result(mt5b_status status) const;
  static CallResult missing(const char* slot);

  const PluginLibrary& plugin_;
  const mt5b_storage_vtable& slots_;
  sdk::testing::FakeHost host_;
  mt5b_instance* instance_ = nullptr;
  CallResult created_;
};

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_STORE_INSTANCE_HPP
