#include "gateway_client.hpp"

#include <openssl/crypto.h>
#include <rapidjson/error/en.h>

namespace mt5b::broker_mt5 {

namespace {

FailureKind kind_from_name(std::string_view kind) {
  if (kind == "mt5") return FailureKind::kMt5;
  if (kind == "timeout") return FailureKind::kTimeout;
  if (kind == "busy") return FailureKind::kBusy;
  if (kind == "auth") return FailureKind::kAuth;
  if (kind == "protocol") return FailureKind::kProtocol;
  return FailureKind::kInternal;  // "internal", or a kind newer than this plugin
}

std::string text_member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

void GatewayClient::fail_transport(FailureKind kind, const std::string& message) {
  broken_ = true;
  connection_.reset();
  throw CallFailure(kind, 0, message);
}

rapidjson::Document GatewayClient::call(std::string_view method, const ParamsWriter& params,
                                        std::chrono::milliseconds timeout) {
  if (broken_ || !connection_)
    throw CallFailure(FailureKind::kNetwork, 0, "the connection to " + peer_ + " is closed");
  const int64_t id = next_id_++;
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  w.Int64(id);
  w.Key("method");
  w.String(method.data(), static_cast<rapidjson::SizeType>(method.size()));
  w.Key("params");
  w.StartObject();
  if (params) params(w);
  w.EndObject();
  if (method != "hello") {
    w.Key("deadline_ms");
    w.Int64(timeout.count());
  }
  w.EndObject();

  const Deadline deadline = Clock::now() + timeout + kAnswerGrace;
  std::string line;
  try {
    connection_->write_line(std::string_view(buffer.GetString(), buffer.GetSize()), deadline);
    // The request may hold a password: drop our copy as soon as it is sent.
    OPENSSL_cleanse(const_cast<char*>(buffer.GetString()), buffer.GetSize());
    line = connection_->read_line(deadline);
  } catch (const TransportError& e) {
    OPENSSL_cleanse(const_cast<char*>(buffer.GetString()), buffer.GetSize());
    switch (e.reason()) {
      case TransportError::Reason::kDeadline:
        fail_transport(FailureKind::kDeadline, std::string(method) + " got no answer from " +
                                                   peer_ + " within " +
                                                   std::to_string(timeout.count()) + " ms");
      case TransportError::Reason::kCertificate:
        fail_transport(FailureKind::kCertificate, e.what());
      case TransportError::Reason::kNetwork: fail_transport(FailureKind::kNetwork, e.what());
    }
  }

  rapidjson::Document answer;
  answer.Parse<rapidjson::kParseFullPrecisionFlag>(line.data(), line.size());
  if (answer.HasParseError() || !answer.IsObject())
    fail_transport(FailureKind::kNetwork, peer_ + " sent an answer that is not a JSON object (" +
                                              rapidjson::GetParseError_En(answer.GetParseError()) +
                                              ")");
  auto id_it = answer.FindMember("id");
  if (id_it == answer.MemberEnd() || !id_it->value.IsInt64() || id_it->value.GetInt64() != id) {
    // A gateway that refuses hello answers and closes; anything else out of step means the
    // stream can no longer be trusted.
    auto error = answer.FindMember("error");
    if (error != answer.MemberEnd() && error->value.IsObject() &&
        text_member(error->value, "kind") == "auth")
      fail_transport(FailureKind::kAuth,
                     peer_ + " refused the token: " + text_member(error->value, "message") +
                         "; check token_file against the gateway's token");
    fail_transport(FailureKind::kNetwork,
                   peer_ + " answered request " + std::to_string(id) + " out of step");
  }
  auto error = answer.FindMember("error");
  if (error != answer.MemberEnd()) {
    if (!error->value.IsObject())
      fail_transport(FailureKind::kNetwork, peer_ + " sent an error that is not an object");
    auto kind = kind_from_name(text_member(error->value, "kind"));
    int code = 0;
    auto code_it = error->value.FindMember("code");
    if (code_it != error->value.MemberEnd() && code_it->value.IsInt())
      code = code_it->value.GetInt();
    auto message = text_member(error->value, "message");
    if (kind == FailureKind::kAuth) {
      // The gateway closes the connection after an auth error.
      fail_transport(FailureKind::kAuth, peer_ + " refused the token (" + message +
                                             "); check token_file against the gateway's token");
    }
    std::string text;
    if (kind == FailureKind::kMt5) {
      auto name = mt5_code_name(code);
      text = "MT5 error " + std::to_string(code) +
             (name.empty() ? std::string() : " (" + std::string(name) + ")") + ": " + message;
    } else {
      text = std::string(method) + " on " + peer_ + ": " + std::string(failure_kind_name(kind)) +
             (message.empty() ? std::string() : " (" + message + ")");
    }
    throw CallFailure(kind, code, text);
  }
  if (!answer.HasMember("result"))
    fail_transport(FailureKind::kNetwork, peer_ + " sent an answer with neither result nor error");
  return answer;
}

}  // namespace mt5b::broker_mt5
