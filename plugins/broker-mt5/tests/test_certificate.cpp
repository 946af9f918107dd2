#include "test_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace mt5b::broker_mt5::testing {

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

TestCertificate::TestCertificate(const std::vector<std::string>& names) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "broker-mt5-cert-XXXXXX").string();
  check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  dir_ = pattern;
  cert_file_ = dir_ + "/gateway.crt";
  key_file_ = dir_ + "/gateway.key";

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "key");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("mt5 gateway test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  std::string alt;
  for (const auto& n : names) alt += (alt.empty() ? "" : ",") + n;
  if (!alt.empty()) add_extension(cert.get(), NID_subject_alt_name, alt);
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign");

  FILE* f = std::fopen(cert_file_.c_str(), "w");
  check(f != nullptr && PEM_write_X509(f, cert.get()) == 1, "write cert");
  std::fclose(f);
  f = std::fopen(key_file_.c_str(), "w");
  check(f != nullptr &&
            PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write key");
  std::fclose(f);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  check(X509_digest(cert.get(), EVP_sha256(), digest, &size) == 1, "digest");
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < size; ++i) {
    fingerprint_.push_back(kHex[digest[i] >> 4]);
    fingerprint_.push_back(kHex[digest[i] & 0xf]);
  }
}

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace mt5b::broker_mt5::testing
