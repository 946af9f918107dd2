// Every field of every struct in sdk/include/mt5bridge/abi.h, in declaration order, as X-macros:
// ABI_STRUCTS(X) calls X(struct_name) per struct, FIELDS_<struct>(F, S) calls F(S, field) per
// field. abi_layout_test.cpp turns them into `struct.field offset` lines, and also compares this
// list with the header's text, so a struct or field added to abi.h but not here fails a test.
#pragma once

// clang-format off

#define FIELDS_mt5b_str(F, S) \
  F(S, data) F(S, size)

#define FIELDS_mt5b_host_api(F, S) \
  F(S, struct_size) F(S, abi_major) F(S, abi_minor) F(S, host_ctx) F(S, callback_log) \
  F(S, callback_counter_add) F(S, callback_gauge_set) F(S, callback_histogram_observe) \
  F(S, callback_now_unix_ms) F(S, callback_monotonic_ns)

#define FIELDS_mt5b_option(F, S) \
  F(S, struct_size) F(S, type) F(S, flags) F(S, reserved) F(S, name) F(S, default_json) \
  F(S, description)

#define FIELDS_mt5b_plugin_descriptor(F, S) \
  F(S, struct_size) F(S, kind) F(S, name) F(S, version) F(S, description) F(S, options) \
  F(S, option_count) F(S, reserved) F(S, on_create) F(S, on_destroy) F(S, on_last_error) \
  F(S, kind_vtable)

#define FIELDS_mt5b_plugin_list(F, S) \
  F(S, struct_size) F(S, abi_major) F(S, abi_minor) F(S, count) F(S, reserved) F(S, plugins)

#define FIELDS_mt5b_header(F, S) \
  F(S, name) F(S, value)

#define FIELDS_mt5b_http_request(F, S) \
  F(S, struct_size) F(S, client_port) F(S, reserved) F(S, method) F(S, path) F(S, query) \
  F(S, headers) F(S, header_count) F(S, reserved2) F(S, body) F(S, client_ip)

#define FIELDS_mt5b_http_response(F, S) \
  F(S, struct_size) F(S, status) F(S, reserved) F(S, headers) F(S, header_count) F(S, reserved2) \
  F(S, body)

#define FIELDS_mt5b_responder(F, S) \
  F(S, struct_size) F(S, reserved) F(S, transport_ctx) F(S, callback_respond)

#define FIELDS_mt5b_ws_connection(F, S) \
  F(S, struct_size) F(S, reserved) F(S, connection_id) F(S, transport_ctx) F(S, callback_send) \
  F(S, callback_close)

#define FIELDS_mt5b_dispatcher(F, S) \
  F(S, struct_size) F(S, reserved) F(S, host_ctx) F(S, callback_dispatch) F(S, callback_ws_open) \
  F(S, callback_ws_message) F(S, callback_ws_closed)

#define FIELDS_mt5b_transport_vtable(F, S) \
  F(S, struct_size) F(S, reserved) F(S, on_start) F(S, on_stop)

#define FIELDS_mt5b_principal(F, S) \
  F(S, struct_size) F(S, kind) F(S, subject) F(S, role) F(S, expires_at_ms)

#define FIELDS_mt5b_auth_vtable(F, S) \
  F(S, struct_size) F(S, reserved) F(S, on_authenticate)

#define FIELDS_mt5b_account_record(F, S) \
  F(S, struct_size) F(S, is_active) F(S, id) F(S, user_id) F(S, login) F(S, server) \
  F(S, broker_name) F(S, broker_instance) F(S, connection_status) F(S, last_connection_error) \
  F(S, sync_failure_count) F(S, broker_server_time_offset_s) F(S, currency) F(S, leverage) \
  F(S, balance) F(S, equity) F(S, margin) F(S, free_margin) F(S, margin_level) F(S, credit) \
  F(S, profit) F(S, created_at_ms) F(S, updated_at_ms) F(S, last_sync_at_ms) \
  F(S, last_successful_sync_at_ms) F(S, next_sync_at_ms)

#define FIELDS_mt5b_credential_record(F, S) \
  F(S, struct_size) F(S, reserved) F(S, account_id) F(S, user_id) F(S, key_id) F(S, ciphertext) \
  F(S, created_at_ms)

#define FIELDS_mt5b_account_query(F, S) \
  F(S, struct_size) F(S, active_only) F(S, user_id) F(S, limit) F(S, offset)

#define FIELDS_mt5b_position_record(F, S) \
  F(S, struct_size) F(S, reserved) F(S, account_id) F(S, ticket) F(S, symbol) \
  F(S, canonical_symbol) F(S, type) F(S, volume) F(S, open_price) F(S, current_price) F(S, sl) \
  F(S, tp) F(S, profit) F(S, swap) F(S, commission) F(S, magic) F(S, comment) F(S, open_time_ms) \
  F(S, open_time_broker_ms) F(S, broker_offset_s) F(S, updated_at_ms)

#define FIELDS_mt5b_trade_record(F, S) \
  F(S, struct_size) F(S, segment) F(S, account_id) F(S, ticket) F(S, position_id) F(S, symbol) \
  F(S, canonical_symbol) F(S, type) F(S, volume) F(S, open_price) F(S, close_price) \
  F(S, open_time_ms) F(S, close_time_ms) F(S, open_time_broker_ms) F(S, close_time_broker_ms) \
  F(S, broker_offset_s) F(S, profit) F(S, swap) F(S, commission) F(S, fee) F(S, net_profit) \
  F(S, points) F(S, pips) F(S, duration_hours) F(S, close_reason)

#define FIELDS_mt5b_deal_record(F, S) \
  F(S, struct_size) F(S, reserved) F(S, account_id) F(S, deal) F(S, time_ms)

#define FIELDS_mt5b_transaction_record(F, S) \
  F(S, struct_size) F(S, deal_type) F(S, account_id) F(S, ticket) F(S, kind) F(S, amount) \
  F(S, time_ms) F(S, time_broker_ms) F(S, comment)

#define FIELDS_mt5b_sync_log_record(F, S) \
  F(S, struct_size) F(S, reserved) F(S, id) F(S, account_id) F(S, sync_type) F(S, status) \
  F(S, started_at_ms) F(S, completed_at_ms) F(S, trades_synced) F(S, deals_synced) \
  F(S, duration_ms) F(S, error_message)

#define FIELDS_mt5b_sync_apply(F, S) \
  F(S, struct_size) F(S, snapshot_valid) F(S, lease_owner) F(S, account) F(S, positions) \
  F(S, position_count) F(S, replace_positions) F(S, trades) F(S, trade_count) F(S, deal_count) \
  F(S, deals) F(S, transactions) F(S, transaction_count) F(S, reserved) F(S, sync_log)

#define FIELDS_mt5b_sync_apply_result(F, S) \
  F(S, struct_size) F(S, reserved) F(S, deals_inserted) F(S, trades_inserted) \
  F(S, transactions_inserted)

#define FIELDS_mt5b_lease_request(F, S) \
  F(S, struct_size) F(S, reserved) F(S, owner) F(S, account_id) F(S, now_ms) F(S, lease_ttl_ms) \
  F(S, limit)

#define FIELDS_mt5b_record_query(F, S) \
  F(S, struct_size) F(S, reserved) F(S, account_id) F(S, symbol) F(S, from_ms) F(S, to_ms) \
  F(S, limit) F(S, offset)

#define FIELDS_mt5b_audit_record(F, S) \
  F(S, struct_size) F(S, reserved) F(S, id) F(S, at_ms) F(S, actor) F(S, action) F(S, subject) \
  F(S, details_json)

#define FIELDS_mt5b_storage_vtable(F, S) \
  F(S, struct_size) F(S, reserved) F(S, on_migrate) F(S, on_account_insert) F(S, on_account_get) \
  F(S, on_account_list) F(S, on_account_count) F(S, on_account_delete) F(S, on_credential_get) \
  F(S, on_ping) F(S, on_lease_due) F(S, on_lease_release) F(S, on_sync_apply) \
  F(S, on_sync_log_put) F(S, on_sync_log_get) F(S, on_sync_log_list) F(S, on_position_list) \
  F(S, on_trade_list) F(S, on_deal_list) F(S, on_transaction_list) F(S, on_credential_list) \
  F(S, on_credential_update) F(S, on_user_delete) F(S, on_audit_append) F(S, on_migrate_to)

#define FIELDS_mt5b_broker_login(F, S) \
  F(S, struct_size) F(S, timeout_ms) F(S, login) F(S, password) F(S, server)

#define FIELDS_mt5b_account_info(F, S) \
  F(S, struct_size) F(S, trade_mode) F(S, login) F(S, leverage) F(S, limit_orders) \
  F(S, margin_so_mode) F(S, trade_allowed) F(S, trade_expert) F(S, margin_mode) \
  F(S, currency_digits) F(S, fifo_close) F(S, reserved) F(S, balance) F(S, credit) F(S, profit) \
  F(S, equity) F(S, margin) F(S, margin_free) F(S, margin_level) F(S, margin_so_call) \
  F(S, margin_so_so) F(S, margin_initial) F(S, margin_maintenance) F(S, assets) \
  F(S, liabilities) F(S, commission_blocked) F(S, name) F(S, server) F(S, currency) \
  F(S, company)

#define FIELDS_mt5b_trade_position(F, S) \
  F(S, struct_size) F(S, type) F(S, ticket) F(S, time) F(S, time_msc) F(S, time_update) \
  F(S, time_update_msc) F(S, magic) F(S, identifier) F(S, reason) F(S, reserved) F(S, volume) \
  F(S, price_open) F(S, sl) F(S, tp) F(S, price_current) F(S, swap) F(S, profit) F(S, symbol) \
  F(S, comment) F(S, external_id)

#define FIELDS_mt5b_trade_deal(F, S) \
  F(S, struct_size) F(S, type) F(S, ticket) F(S, order) F(S, time) F(S, time_msc) F(S, entry) \
  F(S, reason) F(S, magic) F(S, position_id) F(S, volume) F(S, price) F(S, commission) \
  F(S, swap) F(S, profit) F(S, fee) F(S, symbol) F(S, comment) F(S, external_id)

#define FIELDS_mt5b_trade_order(F, S) \
  F(S, struct_size) F(S, type) F(S, ticket) F(S, time_setup) F(S, time_setup_msc) \
  F(S, time_done) F(S, time_done_msc) F(S, time_expiration) F(S, type_time) F(S, type_filling) \
  F(S, state) F(S, reason) F(S, magic) F(S, position_id) F(S, position_by_id) \
  F(S, volume_initial) F(S, volume_current) F(S, price_open) F(S, sl) F(S, tp) \
  F(S, price_current) F(S, price_stoplimit) F(S, symbol) F(S, comment) F(S, external_id)

#define FIELDS_mt5b_symbol_info(F, S) \
  F(S, struct_size) F(S, digits) F(S, trade_calc_mode) F(S, reserved) F(S, point) \
  F(S, trade_tick_size) F(S, trade_tick_value) F(S, trade_contract_size) F(S, name) \
  F(S, currency_base) F(S, currency_profit)

#define FIELDS_mt5b_tick(F, S) \
  F(S, struct_size) F(S, flags) F(S, time) F(S, time_msc) F(S, bid) F(S, ask) F(S, last) \
  F(S, volume_real) F(S, volume)

#define FIELDS_mt5b_history_query(F, S) \
  F(S, struct_size) F(S, reserved) F(S, from_broker_s) F(S, to_broker_s) F(S, position_id)

#define FIELDS_mt5b_backend_state(F, S) \
  F(S, struct_size) F(S, state) F(S, name) F(S, last_error) F(S, sessions)

#define FIELDS_mt5b_broker_vtable(F, S) \
  F(S, struct_size) F(S, reserved) F(S, on_session_open) F(S, on_session_close) \
  F(S, on_account_info) F(S, on_positions_get) F(S, on_history_deals_get) \
  F(S, on_history_orders_get) F(S, on_symbol_info) F(S, on_symbol_info_tick) \
  F(S, on_backend_states)

#define ABI_STRUCTS(X) \
  X(mt5b_str) X(mt5b_host_api) X(mt5b_option) X(mt5b_plugin_descriptor) X(mt5b_plugin_list) \
  X(mt5b_header) X(mt5b_http_request) X(mt5b_http_response) X(mt5b_responder) \
  X(mt5b_ws_connection) X(mt5b_dispatcher) X(mt5b_transport_vtable) X(mt5b_principal) \
  X(mt5b_auth_vtable) X(mt5b_account_record) X(mt5b_credential_record) X(mt5b_account_query) \
  X(mt5b_position_record) X(mt5b_trade_record) X(mt5b_deal_record) X(mt5b_transaction_record) \
  X(mt5b_sync_log_record) X(mt5b_sync_apply) X(mt5b_sync_apply_result) X(mt5b_lease_request) \
  X(mt5b_record_query) X(mt5b_audit_record) X(mt5b_storage_vtable) X(mt5b_broker_login) \
  X(mt5b_account_info) X(mt5b_trade_position) X(mt5b_trade_deal) X(mt5b_trade_order) \
  X(mt5b_symbol_info) X(mt5b_tick) X(mt5b_history_query) X(mt5b_backend_state) \
  X(mt5b_broker_vtable)
// clang-format on
